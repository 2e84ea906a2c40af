package io.github.treelora.djl.train;

import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;

/**
 * Plugs a {@link TreeLoraHook} into DJL's {@code Trainer}: DJL calls {@code onTrainingBatch} after the backward
 * pass and before {@code trainer.step()}, which is where TreeLoRA acts. One {@code fit} is one epoch loop of
 * one task; call {@link TreeLoraHook#startTask} before it and {@link TreeLoraHook#finishTask} after it.
 *
 * <p>DJL has no epoch-start event, so an epoch is started lazily at the first batch after the previous
 * epoch ended (starting one eagerly at the end of the last epoch would discard the REFERENCE preset's
 * last-epoch mean). The loss is recomputed from the batch's labels and predictions with the trainer's loss.
 */
public final class TreeLoraTrainingListener extends TrainingListenerAdapter {

    private final TreeLoraHook hook;
    private final int stepsPerEpoch;
    private boolean epochPending = true;

    /**
     * A listener for one task's training.
     *
     * @param hook the hook to drive
     * @param stepsPerEpoch batches per epoch (the dataset size divided by the batch size)
     */
    public TreeLoraTrainingListener(TreeLoraHook hook, int stepsPerEpoch) {
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + stepsPerEpoch);
        }
        this.hook = hook;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        if (epochPending) {
            hook.startEpoch(stepsPerEpoch);
            epochPending = false;
        }
        double loss = 0;
        for (var device : batchData.getLabels().keySet()) {
            NDList labels = batchData.getLabels().get(device);
            NDList predictions = batchData.getPredictions().get(device);
            loss += trainer.getLoss().evaluate(labels, predictions).getFloat();
        }
        hook.afterBackward(loss / batchData.getLabels().size());
    }

    @Override
    public void onEpoch(Trainer trainer) {
        epochPending = true;
    }
}
