package io.github.treelora.examples.data;

/** How the labels of a {@link TaskSplit} are numbered. */
public enum LabelSpace {
    /** The dataset's own class id (MNIST digit, WordNet lexicographer file number). */
    GLOBAL,
    /**
     * Class-incremental: the class's position in the stream's class order, {@code 0..C-1} over all
     * tasks (task {@code t} with {@code k} classes gets consecutive ids). For Split-MNIST in the default
     * order this equals {@link #GLOBAL}.
     */
    CLASS_INCREMENTAL,
    /** Task-incremental: the class's position within its task, {@code 0..k-1}. */
    TASK_INCREMENTAL
}
