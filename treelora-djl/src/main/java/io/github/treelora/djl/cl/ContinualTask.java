package io.github.treelora.djl.cl;

import java.util.Arrays;
import java.util.Objects;

/**
 * One task of a continual-learning sequence.
 *
 * @param id task id, unique within a run (TreeLoRA stores task vectors under it)
 * @param name human-readable name for logs and reports
 * @param classes the global class ids of this task (its labels must be among them), non-empty, no repeats
 * @param train training split
 * @param test evaluation split
 */
public record ContinualTask(int id, String name, int[] classes, TaskData train, TaskData test) {

    /**
     * Validates the cheap invariants (non-null parts, non-empty distinct non-negative classes). Labels are
     * checked against {@code classes} by the trainer before training starts.
     *
     * @param id any int, at least 0
     * @param name non-null
     * @param classes see the record description (copied)
     * @param train non-null
     * @param test non-null
     */
    public ContinualTask {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (id < 0) {
            throw new IllegalArgumentException("task id must be >= 0, got " + id + " (task '" + name + "')");
        }
        if (classes.length == 0) {
            throw new IllegalArgumentException("task " + id + " '" + name + "' has no classes");
        }
        classes = classes.clone();
        if (Arrays.stream(classes).distinct().count() != classes.length) {
            throw new IllegalArgumentException("task " + id + " '" + name + "' repeats a class: "
                    + Arrays.toString(classes));
        }
        for (int c : classes) {
            if (c < 0) {
                throw new IllegalArgumentException("task " + id + " '" + name + "' has negative class id " + c);
            }
        }
    }

    /**
     * The task's classes (a copy).
     *
     * @return global class ids
     */
    @Override
    public int[] classes() {
        return classes.clone();
    }

    /**
     * Whether {@code label} is one of the task's classes.
     *
     * @param label a global class id
     * @return true if it belongs to this task
     */
    public boolean hasClass(int label) {
        for (int c : classes) {
            if (c == label) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContinualTask t && t.id == id && t.name.equals(name)
                && Arrays.equals(t.classes, classes) && t.train == train && t.test == test;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, Arrays.hashCode(classes));
    }

    @Override
    public String toString() {
        return "ContinualTask{" + id + " '" + name + "', classes=" + Arrays.toString(classes) + ", train="
                + train.size() + ", test=" + test.size() + "}";
    }
}
