package io.github.treelora.examples.benchmark;

import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.TaskData;
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;

/**
 * The sizes the tasks actually have, for banners and reports: a cap such as {@code --train-per-task 100000} takes
 * what a task holds, not the cap.
 */
public final class TaskSizes {

    private TaskSizes() {}

    /**
     * Samples per task: one number when all tasks have it, else the range, e.g. {@code "11263-12665"}.
     *
     * @param tasks the tasks
     * @param train the training split (else the test split)
     * @return the text
     */
    public static String perTask(List<ContinualTask> tasks, boolean train) {
        return range(tasks.stream().mapToInt(t -> split(t, train).size()).summaryStatistics());
    }

    /**
     * Samples per class over all tasks: one number when all classes have it, else the range.
     *
     * @param tasks the tasks
     * @param train the training split (else the test split)
     * @return the text
     */
    public static String perClass(List<ContinualTask> tasks, boolean train) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (ContinualTask t : tasks) {
            for (int c : t.classes()) {
                counts.put(c, 0);
            }
            TaskData data = split(t, train);
            for (int i = 0; i < data.size(); i++) {
                counts.merge(data.label(i), 1, Integer::sum);
            }
        }
        return range(counts.values().stream().mapToInt(Integer::intValue).summaryStatistics());
    }

    /**
     * The largest task's sample count.
     *
     * @param tasks the tasks
     * @param train the training split (else the test split)
     * @return the count
     */
    public static int largest(List<ContinualTask> tasks, boolean train) {
        return tasks.stream().mapToInt(t -> split(t, train).size()).max().orElse(0);
    }

    private static TaskData split(ContinualTask t, boolean train) {
        return train ? t.train() : t.test();
    }

    private static String range(IntSummaryStatistics s) {
        return s.getMin() == s.getMax() ? Integer.toString(s.getMin()) : s.getMin() + "-" + s.getMax();
    }
}
