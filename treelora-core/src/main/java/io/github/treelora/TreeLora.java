package io.github.treelora;

import io.github.treelora.bandit.SelectorState;
import io.github.treelora.bandit.TaskSelector;
import io.github.treelora.memory.MemorySlot;
import io.github.treelora.memory.TaskMemory;
import io.github.treelora.memory.TaskVectorAccumulator;
import io.github.treelora.tree.TaskTree;
import io.github.treelora.vector.VectorOps;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine-independent TreeLoRA state machine. An engine binding calls it once per training step, after
 * the backward pass and before the optimizer step, with the LoRA A gradients and values of every adapted
 * layer (input side first):
 * <pre>{@code
 * TreeLora<float[]> tl = new TreeLora<>(TreeLoraConfig.of(Preset.PAPER), FloatVectorOps.INSTANCE, layers);
 * for (int task = 0; task < tasks; task++) {
 *     tl.startTask(task);
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         tl.startEpoch(stepsPerEpoch);
 *         for (...) { ...backward...; tl.step(gradsA, valuesA, loss); ...optimizer step...; }
 *     }
 *     tl.finishTask();
 * }
 * }</pre>
 * A step (1) folds the step's vectors into the current task's running mean, (2) when earlier tasks exist,
 * asks the selector for one previous task per layer and reports the L1 distances it observes, and (3) adds
 * the update rule's term to the gradients in place. {@link #finishTask()} stores the task's vectors and
 * rebuilds the tree. Not thread-safe.
 *
 * @param <V> vector type of the binding
 */
public final class TreeLora<V> {

    private final TreeLoraConfig config;
    private final VectorOps<V> ops;
    private final int numLayers;
    private final TaskMemory<V> memory;
    private final TaskVectorAccumulator<V> current;
    private final TaskSelector selector;
    private TaskTree tree;
    private int currentTask = -1;
    private int stepInEpoch;
    private int stepsPerEpoch;

    /**
     * A fresh state.
     *
     * @param config the algorithm's choices
     * @param ops vector arithmetic of the binding
     * @param numLayers number of adapted layers L, at least 1
     */
    public TreeLora(TreeLoraConfig config, VectorOps<V> ops, int numLayers) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + numLayers);
        }
        this.config = config;
        this.ops = ops;
        this.numLayers = numLayers;
        this.memory = new TaskMemory<>(ops, numLayers, config.budget());
        this.current = new TaskVectorAccumulator<>(ops, numLayers);
        this.selector = TaskSelector.create(config.selectorPolicy(), config.explorationC(), config.seed());
    }

    /**
     * Starts training task {@code taskId}.
     *
     * @param taskId a task id not stored yet
     */
    public void startTask(int taskId) {
        if (currentTask >= 0) {
            throw new IllegalStateException("task " + currentTask + " is still running; call finishTask first");
        }
        for (MemorySlot<V> s : memory.slots()) {
            if (s.taskIds().contains(taskId)) {
                throw new IllegalArgumentException("task " + taskId + " was already trained");
            }
        }
        currentTask = taskId;
        current.reset();
        stepsPerEpoch = 0;
        stepInEpoch = 0;
        if (tree != null) {
            selector.startTask(tree, numLayers);
        }
    }

    /**
     * Starts an epoch of the current task.
     *
     * @param steps number of steps in this epoch (T), at least 1
     */
    public void startEpoch(int steps) {
        requireTask();
        if (steps < 1) {
            throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + steps);
        }
        stepsPerEpoch = steps;
        stepInEpoch = 0;
        if (config.vectorSource() == TaskVectorSource.VALUES_LAST_EPOCH) {
            current.reset();
        }
        if (tree != null) {
            selector.startEpoch(steps);
        }
    }

    /**
     * One training step: accumulates, selects, and adds the update term to {@code gradients} in place.
     *
     * @param gradients dLoss/dA_l per layer (flattened), modified in place
     * @param values A_l per layer (flattened the same way), read only
     * @param loss the step's loss, finite
     * @return what the step did
     */
    public StepReport step(List<V> gradients, List<V> values, double loss) {
        requireTask();
        if (stepsPerEpoch == 0) {
            throw new IllegalStateException("startEpoch must be called before step");
        }
        if (!Double.isFinite(loss)) {
            throw new IllegalArgumentException("loss is " + loss + " at step " + stepInEpoch + " of task "
                    + currentTask + "; TreeLoRA refuses non-finite losses (gradients left unchanged)");
        }
        if (gradients.size() != numLayers || values.size() != numLayers) {
            throw new IllegalArgumentException("expected " + numLayers + " gradients and values, got "
                    + gradients.size() + " and " + values.size());
        }
        current.add(config.vectorSource() == TaskVectorSource.GRADIENTS ? gradients : values);
        StepReport report = StepReport.NO_SELECTION;
        if (tree != null) {
            int[] arms = selector.select();
            List<V> means = current.means();
            double factor = layerFactor();
            List<V> selected = new ArrayList<>(numLayers);
            int[] taskIds = new int[numLayers];
            for (int l = 0; l < numLayers; l++) {
                MemorySlot<V> slot = memory.slots().get(arms[l]);
                selected.add(slot.vectors().get(l));
                taskIds[l] = slot.firstTaskId();
            }
            double[] distances;
            if (factor == 1.0) {
                distances = ops.l1Distances(means, selected);
            } else {
                distances = new double[numLayers];
                for (int l = 0; l < numLayers; l++) {
                    distances[l] = l1DistanceScaled(means.get(l), factor, selected.get(l));
                }
            }
            selector.observe(arms, distances);
            double lambda = config.lambda().at(stepInEpoch, stepsPerEpoch);
            double coefficient = config.updateRule().apply(ops, gradients, values, selected, loss, lambda);
            report = new StepReport(taskIds, distances, lambda, coefficient);
        }
        stepInEpoch++;
        return report;
    }

    /** Stores the current task's vectors in memory and rebuilds the tree. */
    public void finishTask() {
        requireTask();
        long steps = current.count();
        List<V> means = current.takeMeans();
        double factor = layerFactor();
        if (factor != 1.0) {
            means.forEach(v -> ops.scale(v, factor));
        }
        memory.add(currentTask, means, steps);
        tree = TaskTree.build(ops, memory.slots(), config.splitRule(), config.maxDepth());
        currentTask = -1;
    }

    /**
     * The configuration.
     *
     * @return config
     */
    public TreeLoraConfig config() {
        return config;
    }

    /**
     * Number of adapted layers.
     *
     * @return L
     */
    public int numLayers() {
        return numLayers;
    }

    /**
     * The stored task vectors.
     *
     * @return memory (read its slots; do not modify)
     */
    public TaskMemory<V> memory() {
        return memory;
    }

    /**
     * The tree over stored tasks.
     *
     * @return tree, or null before the first task finished
     */
    public TaskTree tree() {
        return tree;
    }

    /**
     * The running task id.
     *
     * @return task id, or -1 between tasks
     */
    public int currentTask() {
        return currentTask;
    }

    /**
     * The vector arithmetic.
     *
     * @return ops
     */
    public VectorOps<V> ops() {
        return ops;
    }

    /**
     * A snapshot of the mid-task counters and statistics (for saving).
     *
     * @return progress
     */
    public Progress progress() {
        return new Progress(currentTask, stepInEpoch, stepsPerEpoch, current.count(),
                currentTask >= 0 && tree != null ? selector.state() : null);
    }

    /**
     * The selector's random generator state, also between tasks (where {@link #progress()} holds no selector
     * statistics).
     *
     * @return generator state (0 for the deterministic PAPER selector)
     */
    public long selectorRandomState() {
        return selector.randomState();
    }

    /**
     * Restores the selector's random generator state saved with {@link #selectorRandomState()}.
     *
     * @param state the saved state
     */
    public void restoreSelectorRandomState(long state) {
        selector.setRandomState(state);
    }

    /**
     * The current task's running means (live; do not modify).
     *
     * @return one vector per layer, empty before the first step of the task
     */
    public List<V> currentMeans() {
        return current.means();
    }

    /**
     * Restores a saved state into this fresh object. Ownership of the vectors passes to this object.
     *
     * @param slots stored entries
     * @param progress mid-task counters
     * @param currentMeans running means of the running task (empty if none)
     */
    public void restore(List<MemorySlot<V>> slots, Progress progress, List<V> currentMeans) {
        if (currentTask >= 0 || memory.size() > 0) {
            throw new IllegalStateException("restore needs a fresh TreeLora");
        }
        memory.restore(slots);
        tree = slots.isEmpty() ? null : TaskTree.build(ops, memory.slots(), config.splitRule(), config.maxDepth());
        currentTask = progress.currentTask();
        stepInEpoch = progress.stepInEpoch();
        stepsPerEpoch = progress.stepsPerEpoch();
        current.restore(currentMeans, progress.accumulatedSteps());
        if (currentTask >= 0 && tree != null) {
            selector.startTask(tree, numLayers);
            if (progress.selector() != null) {
                selector.restore(progress.selector());
            }
        }
    }

    /**
     * Mid-task counters.
     *
     * @param currentTask running task or -1
     * @param stepInEpoch 0-based step within the epoch
     * @param stepsPerEpoch T of the current epoch (0 before the first epoch)
     * @param accumulatedSteps steps in the running mean
     * @param selector the selector's statistics, or null when no selection is running
     */
    public record Progress(int currentTask, int stepInEpoch, int stepsPerEpoch, long accumulatedSteps,
            SelectorState selector) {}

    private double layerFactor() {
        return config.referenceLayerFactor() ? numLayers : 1.0;
    }

    private double l1DistanceScaled(V mean, double factor, V v) {
        V scaled = ops.copy(mean);
        try {
            ops.scale(scaled, factor);
            return ops.l1Distance(scaled, v);
        } finally {
            ops.release(scaled);
        }
    }

    private void requireTask() {
        if (currentTask < 0) {
            throw new IllegalStateException("no task is running; call startTask first");
        }
    }
}
