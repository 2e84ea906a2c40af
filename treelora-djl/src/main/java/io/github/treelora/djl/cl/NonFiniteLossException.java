package io.github.treelora.djl.cl;

/**
 * A training loss was NaN or infinite. The message names the strategy, task, epoch and step; the step's
 * gradients were not applied.
 */
public final class NonFiniteLossException extends ArithmeticException {

    private static final long serialVersionUID = 1L;

    /** The failing task's position in the sequence. */
    private final int taskIndex;
    /** The failing epoch. */
    private final int epoch;
    /** The failing step within the epoch. */
    private final int step;

    /**
     * The exception for one step.
     *
     * @param strategy strategy name
     * @param task the task being trained
     * @param taskIndex its position in the sequence
     * @param epoch 0-based epoch
     * @param step 0-based step in the epoch
     * @param loss the loss value
     */
    public NonFiniteLossException(String strategy, ContinualTask task, int taskIndex, int epoch, int step,
            double loss) {
        super(strategy + ": loss is " + loss + " at task " + taskIndex + " (id " + task.id() + " '" + task.name()
                + "'), epoch " + epoch + ", step " + step + " (0-based); check the inputs for NaN/inf, lower the "
                + "learning rate or the regularisation strength");
        this.taskIndex = taskIndex;
        this.epoch = epoch;
        this.step = step;
    }

    /**
     * The task's position in the sequence.
     *
     * @return 0-based index
     */
    public int taskIndex() {
        return taskIndex;
    }

    /**
     * The epoch.
     *
     * @return 0-based epoch
     */
    public int epoch() {
        return epoch;
    }

    /**
     * The step within the epoch.
     *
     * @return 0-based step
     */
    public int step() {
        return step;
    }
}
