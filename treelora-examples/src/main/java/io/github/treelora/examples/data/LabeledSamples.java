package io.github.treelora.examples.data;

import java.util.List;
import java.util.Objects;

/**
 * The name, labels and class names every {@link LabeledDataset} here holds, with their accessors; subclasses add
 * the samples.
 *
 * @param <D> the concrete dataset type
 */
abstract class LabeledSamples<D extends LabeledDataset<D>> implements LabeledDataset<D> {
    /** A short name used in messages. */
    final String name;
    /** One class id per sample, validated and owned by this dataset. */
    final int[] labels;
    /** The validated, unmodifiable class names. */
    final List<String> classNames;

    LabeledSamples(String name, int[] labels, List<String> classNames) {
        this.name = name;
        this.labels = labels;
        this.classNames = classNames;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int size() {
        return labels.length;
    }

    @Override
    public final int label(int index) {
        return labels[Objects.checkIndex(index, labels.length)];
    }

    @Override
    public final int[] labels() {
        return labels.clone();
    }

    @Override
    public final List<String> classNames() {
        return classNames;
    }
}
