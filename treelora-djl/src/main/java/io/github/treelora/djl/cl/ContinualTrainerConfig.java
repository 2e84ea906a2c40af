package io.github.treelora.djl.cl;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable settings of a {@link ContinualTrainer}; build with {@link #builder()}.
 *
 * @param epochs epochs per task (default budget)
 * @param strategyEpochs per-strategy epoch budgets by {@link ContinualStrategy#id()} (the paper's speed-up
 *     comes from TreeLoRA needing fewer epochs than the baselines)
 * @param batchSize training batch size
 * @param evalBatchSize evaluation batch size
 * @param learningRate the optimizer's constant learning rate
 * @param seed the run's seed: head initialisation, LoRA initialisation (the engine is re-seeded per task),
 *     data order (a permutation per task and epoch)
 * @param protocol task- or class-incremental evaluation
 * @param numClasses rows of the head; 0 means the largest class id of the run plus one
 * @param checkpointDir where a checkpoint is written after every task; null for none
 * @param progress whether to draw the console progress line (only on a terminal)
 * @param referenceAccuracies per-task reference accuracies for FWT (for example a fresh head on the frozen
 *     backbone), null when not measured
 * @param taskInference how class-incremental evaluation picks the model for a sample of unknown task
 * @param optimizer the optimizer created at every task start (default {@link OptimizerSpec#adam()})
 */
public record ContinualTrainerConfig(int epochs, Map<String, Integer> strategyEpochs, int batchSize,
        int evalBatchSize, double learningRate, long seed, EvaluationProtocol protocol, int numClasses,
        Path checkpointDir, boolean progress, double[] referenceAccuracies, TaskInference taskInference,
        OptimizerSpec optimizer) {

    /**
     * Validates.
     *
     * @param epochs at least 1
     * @param strategyEpochs values at least 1 (copied)
     * @param batchSize at least 1
     * @param evalBatchSize at least 1
     * @param learningRate finite, &gt; 0
     * @param seed any
     * @param protocol non-null
     * @param numClasses at least 0
     * @param checkpointDir nullable
     * @param progress any
     * @param referenceAccuracies nullable, finite values (copied)
     * @param taskInference non-null; not {@link TaskInference#NONE} only with the class-incremental protocol
     * @param optimizer non-null
     */
    public ContinualTrainerConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        strategyEpochs = Map.copyOf(Objects.requireNonNull(strategyEpochs, "strategyEpochs"));
        strategyEpochs.forEach((k, v) -> {
            if (v == null || v < 1) {
                throw new IllegalArgumentException("epochs for strategy " + k + " must be >= 1, got " + v);
            }
        });
        if (batchSize < 1 || evalBatchSize < 1) {
            throw new IllegalArgumentException("batch sizes must be >= 1, got " + batchSize + " and "
                    + evalBatchSize);
        }
        checkLearningRate(learningRate);
        Objects.requireNonNull(protocol, "protocol");
        if (numClasses < 0) {
            throw new IllegalArgumentException("numClasses must be >= 0 (0: derive from the tasks), got "
                    + numClasses);
        }
        Objects.requireNonNull(taskInference, "taskInference");
        if (taskInference != TaskInference.NONE && protocol != EvaluationProtocol.CLASS_INCREMENTAL) {
            throw new IllegalArgumentException("task inference " + taskInference + " needs the CLASS_INCREMENTAL "
                    + "protocol (with " + protocol + " the task id is given)");
        }
        Objects.requireNonNull(optimizer, "optimizer");
        if (referenceAccuracies != null) {
            referenceAccuracies = referenceAccuracies.clone();
            for (double a : referenceAccuracies) {
                if (!Double.isFinite(a)) {
                    throw new IllegalArgumentException("reference accuracies must be finite, got " + a);
                }
            }
        }
    }

    /** Rejects a learning rate that is not finite and positive, naming the option. */
    static void checkLearningRate(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
    }

    /**
     * The epoch budget of a strategy.
     *
     * @param strategyId {@link ContinualStrategy#id()}
     * @return its override, else {@link #epochs()}
     */
    public int epochsFor(String strategyId) {
        return strategyEpochs.getOrDefault(strategyId, epochs);
    }

    /**
     * The epoch budget of a strategy, keyed by its id.
     *
     * @param strategy the strategy
     * @return its override, else {@link #epochs()}
     * @throws IllegalArgumentException if a budget is keyed by the strategy's display name instead of its id (it
     *     would be ignored silently otherwise)
     */
    public int epochsFor(ContinualStrategy strategy) {
        String id = strategy.id();
        String name = strategy.name();
        if (!name.equals(id) && strategyEpochs.containsKey(name) && !strategyEpochs.containsKey(id)) {
            throw new IllegalArgumentException("epochs are set for '" + name + "', the display name of strategy '"
                    + id + "'; per-strategy budgets are keyed by the id: use epochs(\"" + id + "\", n)");
        }
        return epochsFor(id);
    }

    /**
     * The checkpoint directory.
     *
     * @return the directory, if checkpoints are on
     */
    public Optional<Path> checkpoint() {
        return Optional.ofNullable(checkpointDir);
    }

    /**
     * The reference accuracies (a copy).
     *
     * @return per-task references, or null
     */
    @Override
    public double[] referenceAccuracies() {
        return referenceAccuracies == null ? null : referenceAccuracies.clone();
    }

    /**
     * The settings as a JSON-friendly map (for reports).
     *
     * @return settings by name
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("strategyEpochs", strategyEpochs);
        m.put("batchSize", batchSize);
        m.put("evalBatchSize", evalBatchSize);
        m.put("learningRate", learningRate);
        m.put("optimizer", optimizer.describe() + ", re-created at every task start");
        m.put("seed", seed);
        m.put("protocol", protocol.name());
        m.put("taskInference", taskInference.name());
        m.put("numClasses", numClasses);
        m.put("checkpointDir", checkpointDir == null ? null : checkpointDir.toString());
        return m;
    }

    /**
     * A builder with defaults: 1 epoch, batch 32, eval batch 128, Adam with lr 1e-3, seed 0, class-incremental
     * without task inference, no checkpoints, progress on.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this configuration's values.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.strategyEpochs.putAll(strategyEpochs);
        b.batchSize = batchSize;
        b.evalBatchSize = evalBatchSize;
        b.learningRate = learningRate;
        b.seed = seed;
        b.protocol = protocol;
        b.numClasses = numClasses;
        b.checkpointDir = checkpointDir;
        b.progress = progress;
        b.referenceAccuracies = referenceAccuracies;
        b.taskInference = taskInference;
        b.optimizer = optimizer;
        return b;
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int epochs = 1;
        private final Map<String, Integer> strategyEpochs = new LinkedHashMap<>();
        private int batchSize = 32;
        private int evalBatchSize = 128;
        private double learningRate = 1e-3;
        private long seed;
        private EvaluationProtocol protocol = EvaluationProtocol.CLASS_INCREMENTAL;
        private int numClasses;
        private Path checkpointDir;
        private boolean progress = true;
        private double[] referenceAccuracies;
        private TaskInference taskInference = TaskInference.NONE;
        private OptimizerSpec optimizer = OptimizerSpec.adam();

        private Builder() {
        }

        /**
         * @param v epochs per task, at least 1
         * @return this builder
         */
        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        /**
         * @param strategyId a {@link ContinualStrategy#id()}, e.g. {@code "treelora"}
         * @param v that strategy's epochs per task
         * @return this builder
         */
        public Builder epochs(String strategyId, int v) {
            strategyEpochs.put(Objects.requireNonNull(strategyId, "strategyId"), v);
            return this;
        }

        /**
         * @param v training batch size
         * @return this builder
         */
        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        /**
         * @param v evaluation batch size
         * @return this builder
         */
        public Builder evalBatchSize(int v) {
            evalBatchSize = v;
            return this;
        }

        /**
         * @param v the optimizer's constant learning rate
         * @return this builder
         */
        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /**
         * @param v the run's seed
         * @return this builder
         */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /**
         * @param v evaluation protocol
         * @return this builder
         */
        public Builder protocol(EvaluationProtocol v) {
            protocol = v;
            return this;
        }

        /**
         * @param v head rows; 0 derives them from the tasks
         * @return this builder
         */
        public Builder numClasses(int v) {
            numClasses = v;
            return this;
        }

        /**
         * @param v checkpoint directory, or null for none
         * @return this builder
         */
        public Builder checkpointDir(Path v) {
            checkpointDir = v;
            return this;
        }

        /**
         * @param v draw the progress line (only when a terminal is attached)
         * @return this builder
         */
        public Builder progress(boolean v) {
            progress = v;
            return this;
        }

        /**
         * @param v per-task reference accuracies for FWT, or null
         * @return this builder
         */
        public Builder referenceAccuracies(double... v) {
            referenceAccuracies = v;
            return this;
        }

        /**
         * @param v task-identity inference for class-incremental evaluation
         * @return this builder
         */
        public Builder taskInference(TaskInference v) {
            taskInference = v;
            return this;
        }

        /**
         * @param v the optimizer created at every task start, e.g. {@link OptimizerSpec#adamW(double)}
         * @return this builder
         */
        public Builder optimizer(OptimizerSpec v) {
            optimizer = v;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the configuration
         */
        public ContinualTrainerConfig build() {
            return new ContinualTrainerConfig(epochs, strategyEpochs, batchSize, evalBatchSize, learningRate, seed,
                    protocol, numClasses, checkpointDir, progress, referenceAccuracies, taskInference, optimizer);
        }
    }
}
