package io.github.treelora.djl.cl;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.metrics.AccuracyMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one {@link ContinualTrainer} run, shared by the training loop and its {@link TrainerListener}s;
 * it is also the strategy's {@link StrategyContext}. Listeners read it; the trainer's own parts also write the
 * accuracy matrix (evaluation) and the task statistics (the loop).
 */
public final class TrainingRun implements StrategyContext {

    private final ContinualTrainerConfig config;
    private final Backbone backbone;
    private final LoraModel lora;
    private final TaskObjective objective;
    private final NDManager manager;
    private final List<ContinualTask> tasks;
    private final ContinualStrategy strategy;
    private final int numClasses;
    private final String sha;
    private final long startNanos;
    private AccuracyMatrix accuracy;
    private final List<ContinualResult.TaskStats> stats = new ArrayList<>();
    private double previousSeconds;

    TrainingRun(ContinualTrainerConfig config, Backbone backbone, LoraModel lora, TaskObjective objective,
            NDManager manager, List<ContinualTask> tasks, ContinualStrategy strategy, int numClasses, String sha,
            long startNanos) {
        this.config = config;
        this.backbone = backbone;
        this.lora = lora;
        this.objective = objective;
        this.manager = manager;
        this.tasks = tasks;
        this.strategy = strategy;
        this.numClasses = numClasses;
        this.sha = sha;
        this.startNanos = startNanos;
        this.accuracy = new AccuracyMatrix(tasks.size());
    }

    /**
     * The trainer's settings.
     *
     * @return config
     */
    public ContinualTrainerConfig config() {
        return config;
    }

    /**
     * The backbone being adapted.
     *
     * @return backbone
     */
    public Backbone backbone() {
        return backbone;
    }

    /**
     * The strategy.
     *
     * @return strategy
     */
    public ContinualStrategy strategy() {
        return strategy;
    }

    /**
     * The task sequence.
     *
     * @return tasks in order
     */
    public List<ContinualTask> tasks() {
        return tasks;
    }

    /**
     * The classifier head's size (0 for causal-LM runs, which have no head).
     *
     * @return head rows
     */
    public int numClasses() {
        return numClasses;
    }

    /**
     * SHA-256 of the backbone's weights (before adapters).
     *
     * @return hex digest
     */
    public String backboneSha256() {
        return sha;
    }

    /**
     * The accuracy matrix so far.
     *
     * @return R[i][j], accuracy on task i after task j (NaN where not measured; a copy)
     */
    public double[][] accuracy() {
        return accuracy.toArray();
    }

    /**
     * The statistics of the trained tasks, resumed ones included.
     *
     * @return per task, in order (a copy)
     */
    public List<ContinualResult.TaskStats> taskStats() {
        return List.copyOf(stats);
    }

    /**
     * Seconds the run has taken, including the interrupted run's time when resumed.
     *
     * @return seconds
     */
    public double elapsedSeconds() {
        return previousSeconds + (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public LoraModel lora() {
        return lora;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public long seed() {
        return config.seed();
    }

    @Override
    public int batchSize() {
        return config.batchSize();
    }

    @Override
    public int forwardPasses(TaskData data, int maxBatches) {
        ParameterStore ps = new ParameterStore(manager, false);
        int n = Math.min(data.size(), Math.max(0, maxBatches) * config.batchSize());
        for (int from = 0; from < n; from += config.batchSize()) {
            int[] idx = range(from, Math.min(n, from + config.batchSize()));
            try (NDManager step = manager.newSubManager()) {
                objective.observe(ps, data.batch(idx, step).inputs());
            }
        }
        return n;
    }

    TaskObjective objective() {
        return objective;
    }

    Device device() {
        return manager.getDevice();
    }

    AccuracyMatrix accuracyMatrix() {
        return accuracy;
    }

    void addTaskStats(ContinualResult.TaskStats s) {
        stats.add(s);
    }

    /** Continues an interrupted run: its matrix, statistics and time. */
    void restore(AccuracyMatrix matrix, List<ContinualResult.TaskStats> finished, double seconds) {
        accuracy = matrix;
        stats.addAll(finished);
        previousSeconds = seconds;
    }

    /** The indices {@code from..to-1}. */
    static int[] range(int from, int to) {
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return idx;
    }
}
