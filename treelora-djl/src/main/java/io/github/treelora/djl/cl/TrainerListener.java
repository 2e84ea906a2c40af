package io.github.treelora.djl.cl;

/**
 * One part of a {@link ContinualTrainer} run, told what the training loop does (in the spirit of DJL's
 * {@code TrainingListener}). The trainer's own parts are listeners: the divergence check, progress reporting,
 * evaluation (plain or with task inference) and checkpoint writing; listeners given to
 * {@link ContinualTrainer#ContinualTrainer(ContinualTrainerConfig, TrainingProgress, java.util.List)} run after
 * them, in the order given. Per run:
 * <pre>
 * runStarted(run, firstTask, samples)
 * per task k: per step: lossComputed(...)   before backward, inside gradient recording
 *                       stepped(run, step)   after the optimizer update
 *             epochsEnded(run, k)            also when a step failed
 *             taskFinished(run, k)           after the strategy's afterTask: evaluation, then the checkpoint
 * </pre>
 * Called on the training thread; keep them quick. An exception thrown by a listener ends the run (the step
 * being computed, if any, is not applied).
 */
public interface TrainerListener {

    /**
     * Training starts (or resumes).
     *
     * @param run the run
     * @param firstTask index of the first task to train (0, or the resumed run's completed tasks)
     * @param samples samples still to train on: every remaining task's training split times its epochs
     */
    default void runStarted(TrainingRun run, int firstTask, long samples) {
    }

    /**
     * A step's loss (task loss plus the strategy's term) is known; the backward pass and the update follow.
     *
     * @param run the run
     * @param task the task's index
     * @param epoch the epoch (0-based)
     * @param step the step in the epoch (0-based)
     * @param loss the loss
     */
    default void lossComputed(TrainingRun run, int task, int epoch, int step, double loss) {
    }

    /**
     * A step finished (after the optimizer update).
     *
     * @param run the run
     * @param step what it did
     */
    default void stepped(TrainingRun run, TrainingProgress.Step step) {
    }

    /**
     * A task's epochs are over, or a step failed (the strategy's end-of-task work follows when they are over).
     *
     * @param run the run
     * @param task the task's index
     */
    default void epochsEnded(TrainingRun run, int task) {
    }

    /**
     * A task is trained and the strategy finished it ({@link ContinualStrategy#afterTask}); its statistics are in
     * {@link TrainingRun#taskStats()}.
     *
     * @param run the run
     * @param task the task's index
     * @throws java.io.IOException if writing something (a checkpoint) fails
     */
    default void taskFinished(TrainingRun run, int task) throws java.io.IOException {
    }
}
