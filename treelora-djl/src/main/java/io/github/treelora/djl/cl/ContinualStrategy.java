package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A continual-learning method on top of LoRA: which adapters exist, which train, which are active, and what
 * the method adds to the loss or the gradients. The {@link ContinualTrainer} calls, per run:
 * <pre>
 * attach(context)                                  once
 * per task k (in order):
 *   beforeTask(task, k)                            add/freeze/activate adapters, fix InfLoRA's A, ...
 *   per epoch: beforeEpoch(epoch, stepsPerEpoch)
 *     per step: loss = task loss + lossTerm(step)  inside gradient recording
 *               backward; afterBackward(loss)      e.g. TreeLoRA's gradient term
 *               optimizer step (ContinualTrainerConfig.optimizer(), re-created per task)
 *   afterTask(task, k)                             freeze, store vectors, grow bases, ...
 *   evaluation of tasks 0..k; checkpoint: saveState(dir)
 * close()
 * </pre>
 * On resume the trainer first re-creates every adapter the checkpoint lists (same names, shapes, frozen flags
 * and active sets, values loaded by name), then calls {@link #attach} and {@link #loadState}.
 *
 * <p>Implementations: {@link SeqLora}, {@link OLora}, {@link InfLora}, {@link TreeLoraStrategy}, all listed by id in
 * {@link StrategyRegistry}; docs/architecture.md ("How to add a strategy") walks through writing one.
 */
public interface ContinualStrategy extends AutoCloseable {

    /**
     * The stable identifier: lower-case letters, digits and {@code -}, e.g. {@code "olora"}. Per-strategy epoch
     * budgets ({@link ContinualTrainerConfig#epochsFor}) and checkpoint compatibility key on it, and
     * {@link StrategyRegistry} lists the built-in ones under it; it must not change when the display name does.
     * Settings that make a different method (TreeLoRA's preset, ablations) belong in it.
     *
     * @return id
     */
    String id();

    /**
     * The display name for reports, logs and progress, e.g. {@code "O-LoRA"}.
     *
     * @return name
     */
    String name();

    /**
     * The strategy's settings, for the run report (JSON-serialisable values: numbers, strings, booleans,
     * lists and maps of them).
     *
     * @return settings by name
     */
    Map<String, Object> settings();

    /**
     * Binds the strategy to a run; called once before the first task (or before {@link #loadState}).
     *
     * @param context the trainer's services
     */
    void attach(StrategyContext context);

    /**
     * Prepares training of task {@code index}.
     *
     * @param task the task
     * @param index its position in the sequence (0-based)
     */
    void beforeTask(ContinualTask task, int index);

    /**
     * Called at the start of each epoch of the current task.
     *
     * @param epoch 0-based epoch in the task
     * @param stepsPerEpoch number of steps in this epoch
     */
    default void beforeEpoch(int epoch, int stepsPerEpoch) {
    }

    /**
     * A term added to the step's loss inside gradient recording (regularisers such as O-LoRA's). Arrays must be
     * created in (or attached to) {@code step}; use arrays, not Java numbers, for constants (a Java number operand
     * can be freed before backward reads it).
     *
     * @param step the step's manager
     * @return a scalar array, or {@code null} for none
     */
    default NDArray lossTerm(NDManager step) {
        return null;
    }

    /**
     * Called after the backward pass and before the optimizer step; may modify adapter gradients in place.
     *
     * @param loss the step's total loss (finite)
     */
    default void afterBackward(double loss) {
    }

    /**
     * Finishes task {@code index} (called after its last optimizer step, before evaluation).
     *
     * @param task the task
     * @param index its position in the sequence
     */
    void afterTask(ContinualTask task, int index);

    /**
     * Writes the strategy's own state (not the adapters: the trainer saves those) into an empty directory.
     *
     * @param dir an existing empty directory
     * @throws IOException on write failure
     */
    void saveState(Path dir) throws IOException;

    /**
     * Restores the state written by {@link #saveState} after {@code finished.size()} tasks, once the adapters
     * are back in the model.
     *
     * @param dir the directory written by {@link #saveState}
     * @param finished the tasks trained before the checkpoint, in order
     * @throws IOException if the state is missing or inconsistent
     */
    void loadState(Path dir, List<ContinualTask> finished) throws IOException;

    /** Frees the strategy's arrays. */
    @Override
    default void close() {
    }
}
