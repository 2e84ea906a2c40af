package io.github.treelora.examples.data;

import java.util.List;
import java.util.Objects;

/** Immutable texts with class labels and class names. */
public final class TextDataset extends LabeledSamples<TextDataset> {
    private final List<String> texts;

    private TextDataset(String name, List<String> texts, int[] labels, List<String> classNames) {
        super(name, labels, classNames);
        this.texts = texts;
    }

    /**
     * Creates a dataset from copies of the arguments.
     *
     * @param name a short name used in messages
     * @param texts the samples (non-null)
     * @param labels one class id per text, each in {@code 0..classNames.size()-1}
     * @param classNames the class names
     * @return the dataset
     * @throws IllegalArgumentException if sizes disagree or a label is out of range
     */
    public static TextDataset of(String name, List<String> texts, int[] labels, List<String> classNames) {
        Objects.requireNonNull(name, "name");
        List<String> names = Checks.classNames(name, classNames);
        List<String> copy = List.copyOf(texts); // rejects null texts
        if (copy.size() != labels.length) {
            throw new IllegalArgumentException(name + ": " + copy.size() + " texts but " + labels.length + " labels");
        }
        int[] lb = labels.clone();
        Checks.checkLabels(name, lb, names);
        return new TextDataset(name, copy, lb, names);
    }

    /**
     * Returns one text.
     *
     * @param index the sample
     * @return its text
     */
    public String text(int index) {
        return texts.get(index);
    }

    /**
     * Returns all texts.
     *
     * @return an unmodifiable list, in sample order
     */
    public List<String> texts() {
        return texts;
    }

    @Override
    public TextDataset subset(int[] indices) {
        Checks.checkIndices(name, indices, labels.length);
        String[] tx = new String[indices.length];
        int[] lb = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            tx[i] = texts.get(indices[i]);
            lb[i] = labels[indices[i]];
        }
        return new TextDataset(name, List.of(tx), lb, classNames);
    }

    @Override
    public String toString() {
        return "TextDataset[" + name + ", " + labels.length + " texts, " + classNames.size() + " classes]";
    }
}
