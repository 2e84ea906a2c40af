package io.github.treelora.djl.cl;

/**
 * Receives a {@link ContinualTrainer}'s progress, for a console progress bar or any other display. Called on the
 * training thread; implementations should be quick. Without one, the trainer draws a plain console line
 * ({@code progress(true)} and a terminal) or nothing.
 */
public interface TrainingProgress {

    /** Shows nothing. */
    TrainingProgress NONE = step -> { };

    /**
     * One training step, after the optimizer update.
     *
     * @param strategy the strategy's display name
     * @param task the task's index (0-based)
     * @param tasks tasks in the run
     * @param epoch the epoch (0-based)
     * @param epochs epochs of this task
     * @param step the step in the epoch (0-based)
     * @param steps steps per epoch
     * @param samples samples in this step's batch
     * @param loss this step's loss (including the strategy's term)
     * @param samplesPerSecond training throughput of this task so far
     */
    record Step(String strategy, int task, int tasks, int epoch, int epochs, int step, int steps, int samples,
            double loss, double samplesPerSecond) {}

    /**
     * The run starts (or resumes) training.
     *
     * @param strategy the strategy's display name
     * @param samples samples still to train on: every remaining task's training split times its epochs
     */
    default void started(String strategy, long samples) {}

    /**
     * A training step finished.
     *
     * @param step what it did
     */
    void stepped(Step step);

    /** A task's epochs are over (evaluation and the strategy's end-of-task work follow). */
    default void taskTrained() {}
}
