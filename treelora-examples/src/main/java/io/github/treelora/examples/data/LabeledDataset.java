package io.github.treelora.examples.data;

import java.util.List;

/**
 * An immutable, indexed set of labelled samples whose labels are class ids in {@code
 * 0..numClasses()-1}; {@link SplitTasks} builds task streams from any implementation.
 *
 * @param <D> the concrete dataset type, returned by {@link #subset(int[])}
 */
public interface LabeledDataset<D extends LabeledDataset<D>> {

    /**
     * Returns a short name used in messages (e.g. {@code "mnist/train"}).
     *
     * @return the dataset name
     */
    String name();

    /**
     * Returns the number of samples.
     *
     * @return the sample count
     */
    int size();

    /**
     * Returns the label of one sample.
     *
     * @param index the sample index, {@code 0 <= index < size()}
     * @return its class id
     */
    int label(int index);

    /**
     * Returns a copy of all labels.
     *
     * @return a new array of {@link #size()} class ids
     */
    int[] labels();

    /**
     * Returns the class names; class id {@code c} is named {@code classNames().get(c)}.
     *
     * @return an unmodifiable list
     */
    List<String> classNames();

    /**
     * Returns the number of classes (the size of {@link #classNames()}); not every class needs samples.
     *
     * @return the class count
     */
    default int numClasses() {
        return classNames().size();
    }

    /**
     * Returns the samples at the given indices, in that order, with their labels and class names.
     *
     * @param indices sample indices (repeats allowed)
     * @return a new dataset
     * @throws IndexOutOfBoundsException if an index is outside {@code 0..size()-1}
     */
    D subset(int[] indices);

    /**
     * Counts samples per class.
     *
     * @return a new array of length {@link #numClasses()}
     */
    default int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int i = 0; i < size(); i++) {
            counts[label(i)]++;
        }
        return counts;
    }
}
