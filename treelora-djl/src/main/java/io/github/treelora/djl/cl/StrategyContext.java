package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.lora.LoraModel;

/**
 * What the {@link ContinualTrainer} offers a {@link ContinualStrategy}: the adapted backbone, a manager for
 * long-lived arrays, the run's seed, and forward passes over task data (for strategies that look at
 * representations, such as InfLoRA).
 */
public interface StrategyContext {

    /**
     * The backbone as a LoRA model: strategies add, freeze and activate adapters here.
     *
     * @return the model (its block is the backbone)
     */
    LoraModel lora();

    /**
     * A manager on the model's device that lives for the whole run; create a sub-manager of it for the
     * strategy's own arrays and close that in {@link ContinualStrategy#close()}.
     *
     * @return the run's manager
     */
    NDManager manager();

    /**
     * The run's seed.
     *
     * @return seed
     */
    long seed();

    /**
     * The run's batch size.
     *
     * @return samples per training batch
     */
    int batchSize();

    /**
     * Runs the backbone in inference mode (no gradient, no dropout) over the first {@code maxBatches} batches
     * of {@code data}, in index order, and discards the outputs. Strategies observe what they need through
     * {@link io.github.treelora.djl.lora.LoraLinear#setInputObserver}.
     *
     * @param data the samples
     * @param maxBatches at most this many batches (the whole split if it has fewer)
     * @return number of samples passed
     */
    int forwardPasses(TaskData data, int maxBatches);
}
