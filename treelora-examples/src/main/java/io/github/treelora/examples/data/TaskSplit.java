package io.github.treelora.examples.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One task of a continual-learning stream: its classes and its training and test samples.
 *
 * <p>{@link #train()} and {@link #test()} keep the dataset's own ({@link LabelSpace#GLOBAL}) labels;
 * {@link #trainLabels(LabelSpace)}, {@link #testLabels(LabelSpace)} and {@link #mapLabel(int,
 * LabelSpace)} give the class- or task-incremental numbering.
 *
 * @param <D> the dataset type
 */
public final class TaskSplit<D extends LabeledDataset<D>> {
    private final int taskId;
    private final int[] classes;
    private final int classOffset;
    private final D train;
    private final D test;

    TaskSplit(int taskId, int[] classes, int classOffset, D train, D test) {
        this.taskId = taskId;
        this.classes = classes.clone();
        this.classOffset = classOffset;
        this.train = Objects.requireNonNull(train);
        this.test = Objects.requireNonNull(test);
    }

    /**
     * Returns the task's position in the stream.
     *
     * @return 0 for the first task
     */
    public int taskId() {
        return taskId;
    }

    /**
     * Returns the task's classes as global ids, in their task-incremental order.
     *
     * @return a new array; element {@code j} has task-incremental label {@code j}
     */
    public int[] classes() {
        return classes.clone();
    }

    /**
     * Returns the number of classes of this task.
     *
     * @return {@code classes().length}
     */
    public int numClasses() {
        return classes.length;
    }

    /**
     * Returns the class-incremental label of this task's first class.
     *
     * @return the number of classes of all earlier tasks
     */
    public int classOffset() {
        return classOffset;
    }

    /**
     * Returns the names of this task's classes.
     *
     * @return a list parallel to {@link #classes()}
     */
    public List<String> classNames() {
        return Arrays.stream(classes).mapToObj(c -> train.classNames().get(c)).toList();
    }

    /**
     * Returns the training samples, with global labels.
     *
     * @return the training set of this task
     */
    public D train() {
        return train;
    }

    /**
     * Returns the test samples, with global labels.
     *
     * @return the test set of this task
     */
    public D test() {
        return test;
    }

    /**
     * Maps a global class id of this task to another label space.
     *
     * @param globalLabel a class of this task
     * @param space the wanted numbering
     * @return the label in that numbering
     * @throws IllegalArgumentException if the class does not belong to this task
     */
    public int mapLabel(int globalLabel, LabelSpace space) {
        int position = -1;
        for (int j = 0; j < classes.length; j++) {
            if (classes[j] == globalLabel) {
                position = j;
            }
        }
        if (position < 0) {
            throw new IllegalArgumentException("class " + globalLabel + " does not belong to task " + taskId
                    + " (classes " + Arrays.toString(classes) + ")");
        }
        return switch (space) {
            case GLOBAL -> globalLabel;
            case CLASS_INCREMENTAL -> classOffset + position;
            case TASK_INCREMENTAL -> position;
        };
    }

    /**
     * Returns the training labels in a label space.
     *
     * @param space the numbering
     * @return a new array parallel to {@link #train()}
     */
    public int[] trainLabels(LabelSpace space) {
        return mapAll(train, space);
    }

    /**
     * Returns the test labels in a label space.
     *
     * @param space the numbering
     * @return a new array parallel to {@link #test()}
     */
    public int[] testLabels(LabelSpace space) {
        return mapAll(test, space);
    }

    private int[] mapAll(D data, LabelSpace space) {
        int[] labels = data.labels();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = mapLabel(labels[i], space);
        }
        return labels;
    }

    @Override
    public String toString() {
        return "Task " + taskId + " " + classNames() + ": " + train.size() + " train, " + test.size() + " test";
    }
}
