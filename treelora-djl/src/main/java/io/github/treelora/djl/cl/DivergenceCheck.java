package io.github.treelora.djl.cl;

/**
 * Stops a run at the first NaN or infinite loss, before its backward pass (so the step is not applied), with a
 * {@link NonFiniteLossException} naming the strategy, task, epoch and step.
 */
final class DivergenceCheck implements TrainerListener {

    @Override
    public void lossComputed(TrainingRun run, int task, int epoch, int step, double loss) {
        if (!Double.isFinite(loss)) {
            throw new NonFiniteLossException(run.strategy().name(), run.tasks().get(task), task, epoch, step, loss);
        }
    }
}
