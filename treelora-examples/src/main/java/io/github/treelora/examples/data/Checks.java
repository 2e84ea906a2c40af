package io.github.treelora.examples.data;

import java.util.List;
import java.util.Objects;

/** Validation shared by the dataset classes; package-private. */
final class Checks {
    private Checks() {}

    /**
     * Finds the first label outside {@code 0..numClasses-1}.
     *
     * @return its index, or -1 when all labels are in range
     */
    static int firstLabelOutOfRange(int[] labels, int numClasses) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                return i;
            }
        }
        return -1;
    }

    /** Validates labels against class names; throws naming the dataset, index and label. */
    static void checkLabels(String dataset, int[] labels, List<String> classNames) {
        int bad = firstLabelOutOfRange(labels, classNames.size());
        if (bad >= 0) {
            throw new IllegalArgumentException(dataset + ": label " + labels[bad] + " of sample " + bad
                    + " is outside 0.." + (classNames.size() - 1) + " (" + classNames.size() + " classes)");
        }
    }

    /** Returns an unmodifiable copy of non-null, non-empty class names. */
    static List<String> classNames(String dataset, List<String> classNames) {
        Objects.requireNonNull(classNames, dataset + ": classNames");
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException(dataset + ": needs at least one class name");
        }
        for (int i = 0; i < classNames.size(); i++) {
            if (classNames.get(i) == null) {
                throw new IllegalArgumentException(dataset + ": class name " + i + " is null");
            }
        }
        return List.copyOf(classNames);
    }

    /** Checks that every index addresses a sample of a dataset of the given size. */
    static void checkIndices(String dataset, int[] indices, int size) {
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= size) {
                throw new IndexOutOfBoundsException(dataset + ": index " + indices[i] + " (position " + i
                        + ") is outside 0.." + (size - 1));
            }
        }
    }
}
