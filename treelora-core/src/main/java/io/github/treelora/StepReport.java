package io.github.treelora;

/**
 * What one TreeLoRA step did, for logging and tests.
 *
 * @param selectedTasks per adapted layer, the task id whose vector the layer was tied to (empty while no
 *     previous task exists)
 * @param distances per layer, the observed L1 distance to the selected task's vector
 * @param lambda the strength used at this step
 * @param coefficient the update rule's applied coefficient (see {@link io.github.treelora.update.UpdateRule})
 */
public record StepReport(int[] selectedTasks, double[] distances, double lambda, double coefficient) {

    /** The report of a step with no previous task to select. */
    static final StepReport NO_SELECTION = new StepReport(new int[0], new double[0], 0.0, 0.0);

    /**
     * Whether a previous task was selected.
     *
     * @return true if the rule was applied
     */
    public boolean selected() {
        return selectedTasks.length > 0;
    }

    /**
     * Defensive copy.
     *
     * @return selected task per layer
     */
    @Override
    public int[] selectedTasks() {
        return selectedTasks.clone();
    }

    /**
     * Defensive copy.
     *
     * @return distance per layer
     */
    @Override
    public double[] distances() {
        return distances.clone();
    }
}
