package io.github.treelora.examples.benchmark;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.cl.Backbone;
import io.github.treelora.djl.cl.ContinualResult;
import io.github.treelora.djl.cl.TreeLoraStrategy;
import io.github.treelora.tree.TaskTree;
import io.github.treelora.djl.cl.ContinualStrategy;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.ContinualTrainer;
import io.github.treelora.djl.cl.ContinualTrainerConfig;
import io.github.treelora.djl.cl.EvaluationProtocol;
import io.github.treelora.djl.cl.TaskInference;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.examples.runtime.RunDirectory;
import io.github.treelora.io.AtomicDirectory;
import io.github.treelora.examples.runtime.ConsoleProgress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The loop every benchmark job shares: for each seed, build that seed's tasks; for each strategy, load a fresh
 * frozen backbone, train it class-incrementally with the {@link ContinualTrainer} and record the run.
 */
public final class ContinualBenchmark {

    /** Builds the tasks of one seed (subsampling and holdouts depend on it). */
    @FunctionalInterface
    public interface TaskSource {
        /**
         * Builds the tasks.
         *
         * @param seed the run's seed
         * @return the tasks, in training order
         * @throws IOException if data cannot be read
         */
        List<ContinualTask> tasks(long seed) throws IOException;
    }

    /** Loads a fresh backbone (a new one per run, so no run sees another's adapters). */
    @FunctionalInterface
    public interface BackboneSource {
        /**
         * Loads the backbone.
         *
         * @param manager the manager that owns its parameters (closed after the run)
         * @return the backbone
         * @throws IOException if its files cannot be read
         */
        Backbone load(NDManager manager) throws IOException;
    }

    /**
     * The training settings shared by all runs of a job.
     *
     * @param batch training batch size
     * @param evalBatch evaluation batch size
     * @param numClasses size of the class-incremental head
     * @param lora adapter settings
     * @param taskInference how class-incremental evaluation treats a sample of unknown task
     * @param treeLoraLambda TreeLoRA's regulariser strength
     */
    public record Settings(int batch, int evalBatch, int numClasses, LoraConfig lora,
            TaskInference taskInference, double treeLoraLambda) {
        /**
         * Validates.
         *
         * @param batch training batch size
         * @param evalBatch evaluation batch size
         * @param numClasses size of the class-incremental head
         * @param lora adapter settings
         * @param taskInference how class-incremental evaluation treats a sample of unknown task
         * @param treeLoraLambda TreeLoRA's regulariser strength
         */
        public Settings {
            Objects.requireNonNull(lora, "lora");
            Objects.requireNonNull(taskInference, "taskInference");
            if (!(treeLoraLambda >= 0) || Double.isInfinite(treeLoraLambda)) {
                throw new IllegalArgumentException("treeLoraLambda must be finite and >= 0, got " + treeLoraLambda);
            }
            if (batch < 1 || evalBatch < 1 || numClasses < 1) {
                throw new IllegalArgumentException("batch, evalBatch and numClasses must be positive, got "
                        + batch + ", " + evalBatch + ", " + numClasses);
            }
        }
    }

    /**
     * What the runs produced.
     *
     * @param runs one record per (seed, strategy), in execution order
     * @param fullResults the trainer's results as JSON, same order
     * @param epochs epochs per task by the strategies' display names
     * @param trees each TreeLoRA strategy's final task tree from its first seed, by display name
     */
    public record Outcome(List<RunRecord> runs, List<JsonNode> fullResults, Map<String, Budget> budgets,
            Map<String, TaskTree> trees) {
        /**
         * Copies.
         *
         * @param runs one record per (seed, strategy), in execution order
         * @param fullResults the trainer's results as JSON, same order
         * @param budgets epochs and learning rate by the strategies' display names
         * @param trees each TreeLoRA strategy's final task tree from its first seed, by display name
         */
        public Outcome {
            runs = List.copyOf(runs);
            fullResults = List.copyOf(fullResults);
            budgets = new LinkedHashMap<>(budgets);
            trees = new LinkedHashMap<>(trees);
        }
    }

    private ContinualBenchmark() {}

    /**
     * Runs every strategy on every seed, with a progress bar while a run trains (on a terminal) and one line per
     * finished run.
     *
     * @param seeds the seeds
     * @param strategies command-line names (see {@link Strategies#NAMES}), each with an entry in {@code budgets}
     * @param budgets epochs per task and learning rate by command-line name
     * @param settings training settings
     * @param tasks the tasks of a seed
     * @param backbones fresh backbones
     * @param out where the per-run lines go
     * @return all runs
     * @throws IOException if data cannot be read
     */
    public static Outcome run(List<Long> seeds, List<String> strategies, Map<String, Budget> budgets,
            Settings settings, TaskSource tasks, BackboneSource backbones, PrintWriter out) throws IOException {
        return run(seeds, strategies, budgets, settings, tasks, backbones, null, out);
    }

    /**
     * Runs every strategy on every seed with a checkpoint after each task, printing one line per run. A run whose
     * checkpoint directory ({@code <checkpoints>/<strategy>-seed<seed>}) already exists is resumed from it
     * ({@link ContinualTrainer#resume}): finished runs are read back, an interrupted one continues after its last
     * finished task, and the results are those of an uninterrupted run.
     *
     * @param seeds the seeds
     * @param strategies command-line names (see {@link Strategies#NAMES}), each with an entry in {@code budgets}
     * @param budgets epochs per task and learning rate by command-line name
     * @param settings training settings
     * @param tasks the tasks of a seed
     * @param backbones fresh backbones
     * @param checkpoints the directory of the runs' checkpoints, or null for none
     * @param out where the per-run lines go
     * @return all runs
     * @throws IOException if data cannot be read or a checkpoint cannot be written or read
     */
    public static Outcome run(List<Long> seeds, List<String> strategies, Map<String, Budget> budgets,
            Settings settings, TaskSource tasks, BackboneSource backbones, Path checkpoints, PrintWriter out)
            throws IOException {
        for (String n : strategies) {
            if (!budgets.containsKey(n)) {
                throw new IllegalArgumentException("no budget for strategy '" + n + "'");
            }
        }
        ObjectMapper json = new ObjectMapper();
        List<RunRecord> runs = new ArrayList<>();
        List<JsonNode> full = new ArrayList<>();
        Map<String, Budget> budgetsForReport = new LinkedHashMap<>();
        Map<String, TaskTree> trees = new LinkedHashMap<>();
        for (long seed : seeds) {
            List<ContinualTask> seedTasks = tasks.tasks(seed);
            for (String n : strategies) {
                Budget budget = budgets.get(n);
                ContinualTrainerConfig config = ContinualTrainerConfig.builder().epochs(budget.epochs())
                        .batchSize(settings.batch()).evalBatchSize(settings.evalBatch())
                        .learningRate(budget.learningRate()).seed(seed)
                        .protocol(EvaluationProtocol.CLASS_INCREMENTAL).numClasses(settings.numClasses())
                        .taskInference(settings.taskInference()).progress(false)
                        .checkpointDir(checkpoints == null ? null : checkpoints.resolve(n + "-seed" + seed)).build();
                try (NDManager manager = NDManager.newBaseManager();
                        ContinualStrategy strategy = Strategies.create(n, settings.lora(), seed,
                                settings.treeLoraLambda());
                        ConsoleProgress bar = ConsoleProgress.onTerminal("seed " + seed)) {
                    budgetsForReport.put(strategy.name(), budget);
                    ContinualResult result = runOrResume(new ContinualTrainer(config, bar),
                            backbones.load(manager), seedTasks, strategy);
                    bar.close();
                    RunRecord record = RunRecord.of(result);
                    runs.add(record);
                    // Relative to the run directory, where the checkpoints end up.
                    full.add(checkpoints == null ? json.readTree(result.toJson())
                            : RunDirectory.relativeCheckpoint(result.toJson(), checkpoints.getParent()));
                    // The report draws the first seed's final task tree.
                    if (strategy instanceof TreeLoraStrategy t && t.tree() != null) {
                        trees.putIfAbsent(result.strategy(), t.tree());
                    }
                    out.printf(Locale.ROOT, "  %-9s seed %d: ACC %.2f%%, BWT %.2f%%, train %.1f s (%.0f samples/s)%s%n",
                            result.strategy(), seed, 100 * record.metrics().accuracy(),
                            100 * record.metrics().backwardTransfer(), record.trainSeconds(), record.samplesPerSecond(),
                            result.resumedAfterTask() > 0 ? "; resumed after task " + result.resumedAfterTask() : "");
                    out.flush();
                }
            }
        }
        return new Outcome(runs, full, budgetsForReport, trees);
    }

    /**
     * Trains from scratch, or continues from the trainer's checkpoint directory when it holds a checkpoint (an
     * interrupted or finished run of the same settings).
     *
     * @param trainer the trainer; its {@link ContinualTrainerConfig#checkpointDir()} may be null
     * @param backbone a fresh backbone
     * @param tasks the tasks
     * @param strategy a fresh strategy
     * @return the result of the whole run
     * @throws IOException if a checkpoint cannot be read or written, or does not match
     */
    public static ContinualResult runOrResume(ContinualTrainer trainer, Backbone backbone, List<ContinualTask> tasks,
            ContinualStrategy strategy) throws IOException {
        Path dir = trainer.config().checkpointDir();
        if (dir != null) {
            // A swap cut by a kill leaves the checkpoint aside; recovering first makes it visible again.
            AtomicDirectory.recover(dir);
            if (Files.isDirectory(dir)) {
                return trainer.resume(backbone, tasks, strategy);
            }
        }
        return trainer.run(backbone, tasks, strategy);
    }

    /**
     * The report's one-line description of the class-incremental protocol.
     *
     * @param classes what the classes are called, e.g. "supersenses"
     * @param inference the task inference used at test time
     * @return the sentence
     */
    public static String protocolSentence(String classes, TaskInference inference) {
        String base = "class-incremental (one growing head over the " + classes + " seen so far, no task id at test "
                + "time, no replay); training masks logits to the current task's classes";
        return switch (inference) {
            case NONE -> base;
            case NEAREST_CLASS_MEAN -> base + "; task-identity inference: each test sample goes to the task of the "
                    + "nearest class mean (cosine) of the adapter-free features, then through that task's adapters "
                    + "and classes";
            case CLASS_GAUSSIAN -> base + "; task-identity inference: each test sample goes to the task of the most "
                    + "likely class under per-class Gaussians of the adapter-free features, then through that task's "
                    + "adapters and classes";
        };
    }
}
