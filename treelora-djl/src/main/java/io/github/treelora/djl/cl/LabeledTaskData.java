package io.github.treelora.djl.cl;

import java.util.Objects;

/**
 * A {@link TaskData} whose samples' class ids are held in one host array: {@link #size()} and {@link #label(int)}
 * read it. Subclasses hold the inputs and build the batches.
 */
public abstract class LabeledTaskData implements TaskData {

    private final int[] labels;

    /**
     * Keeps a copy of the labels.
     *
     * @param labels global class id per sample (copied)
     */
    protected LabeledTaskData(int[] labels) {
        this.labels = Objects.requireNonNull(labels, "labels").clone();
    }

    @Override
    public final int size() {
        return labels.length;
    }

    @Override
    public final int label(int index) {
        Objects.checkIndex(index, labels.length);
        return labels[index];
    }

    /**
     * The labels of a batch, checking every index first.
     *
     * @param indices sample indices
     * @return their labels, in the order of {@code indices}
     * @throws IndexOutOfBoundsException if an index is outside {@code [0, size())}
     */
    protected final int[] labels(int[] indices) {
        int[] y = new int[indices.length];
        for (int b = 0; b < indices.length; b++) {
            y[b] = label(indices[b]);
        }
        return y;
    }
}
