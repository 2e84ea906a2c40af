package io.github.treelora.examples.benchmark;

import io.github.treelora.djl.cl.TaskInference;
import io.github.treelora.djl.lora.LoraConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The options every continual-learning benchmark command shares (a picocli mixin): strategies, seeds,
 * optimisation, holdout, smoke mode, task inference and output. Commands create it with their own batch size
 * and learning rate defaults.
 */
public final class BenchmarkOptions {

    /** Strategies to run, as given. */
    @Option(names = "--strategies", split = ",", paramLabel = "NAME[,NAME...]",
            description = "Strategies to run: seqlora, olora, inflora, treelora (PAPER preset), treelora-reference "
                    + "(default: seqlora,olora,inflora,treelora).")
    public List<String> strategies = new ArrayList<>(Strategies.DEFAULTS);

    /** Seeds, one run per strategy and seed. */
    @Option(names = "--seeds", split = ",", paramLabel = "SEED[,SEED...]",
            description = "Seeds (one run per strategy and seed: subsampling, holdouts, initialisation and data "
                    + "order; several give mean and spread; default: 1,2,3).")
    public List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L));

    /** Training batch size. */
    @Option(names = "--batch", paramLabel = "N", description = "Training batch size (default: ${DEFAULT-VALUE}).")
    public int batch;

    /** Adam learning rate. */
    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate (default: ${DEFAULT-VALUE}, chosen on "
            + "the validation holdout).")
    public double lr;

    /** LoRA rank. */
    @Option(names = "--rank", paramLabel = "R", description = "LoRA rank (alpha is twice the rank; default: "
            + "${DEFAULT-VALUE}).")
    public int rank;

    /** Evaluate on a holdout of the training data. */
    @Option(names = "--validation", description = "Evaluate on a holdout of the training data instead of the test "
            + "data: use this when choosing hyperparameters.")
    public boolean validation;

    /** CI smoke mode. */
    @Option(names = "--quick", description = "Smoke run for CI: a few samples per task, 1 epoch, first seed only.")
    public boolean quick;

    /** Task-identity inference in class-incremental evaluation. */
    @Option(names = "--task-inference", paramLabel = "MODE",
            description = "Class-incremental evaluation: NONE (the current model and the growing head), "
                    + "NEAREST_CLASS_MEAN or CLASS_GAUSSIAN (predict the task from adapter-free features, then use "
                    + "the adapters and classes of that task; default: ${DEFAULT-VALUE}).")
    public TaskInference taskInference;

    /** TreeLoRA's lambda. */
    @Option(names = "--treelora-lambda", paramLabel = "LAMBDA", description = "TreeLoRA's regulariser strength "
            + "(default: ${DEFAULT-VALUE}, the paper's ViT value).")
    public double treeLoraLambda = Strategies.TREELORA_LAMBDA;

    /** Output directory. */
    @Option(names = "--output", paramLabel = "DIR", description = "Output directory (default: "
            + "runs/<command>-<timestamp>).")
    public Path output;

    /** Dataset cache. */
    @Option(names = "--data", paramLabel = "DIR", description = "Dataset cache (default: $TREELORA_DATA or "
            + "~/.cache/treelora/data).")
    public Path data;

    /** For picocli. */
    public BenchmarkOptions() {
        this(32, 5e-3, TaskInference.NONE);
    }

    /**
     * Options with a command's own defaults.
     *
     * @param batch default batch size
     * @param lr default learning rate
     * @param taskInference default task inference
     */
    public BenchmarkOptions(int batch, double lr, TaskInference taskInference) {
        this(batch, lr, 4, taskInference);
    }

    /**
     * Options with a command's own defaults, LoRA rank included.
     *
     * @param batch default batch size
     * @param lr default learning rate
     * @param rank default LoRA rank
     * @param taskInference default task inference
     */
    public BenchmarkOptions(int batch, double lr, int rank, TaskInference taskInference) {
        this.batch = batch;
        this.lr = lr;
        this.rank = rank;
        this.taskInference = taskInference;
    }

    /**
     * The strategy names, trimmed and lower-cased, or null after printing an error naming the unknown one.
     *
     * @param job the command name, for the message
     * @param err where to print
     * @return names, or null
     */
    public List<String> strategyNames(String job, PrintWriter err) {
        List<String> names = strategies.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
        for (String n : names) {
            if (!Strategies.NAMES.contains(n)) {
                err.println(job + ": unknown strategy '" + n + "'; known: " + Strategies.NAMES);
                return null;
            }
        }
        return names;
    }

    /**
     * Whether seeds are given, batch, lr and rank are positive and TreeLoRA's lambda is finite and not negative.
     *
     * @return true when valid
     */
    public boolean valid() {
        return !seeds.isEmpty() && batch >= 1 && lr > 0 && Double.isFinite(lr) && rank >= 1 && treeLoraLambda >= 0
                && Double.isFinite(treeLoraLambda);
    }

    /**
     * The trainer settings these options give.
     *
     * @param evalBatch evaluation batch size
     * @param numClasses head size
     * @param lora adapter settings
     * @return settings
     */
    public ContinualBenchmark.Settings settings(int evalBatch, int numClasses, LoraConfig lora) {
        return new ContinualBenchmark.Settings(batch, evalBatch, lr, numClasses, lora, taskInference, treeLoraLambda);
    }

    /**
     * The seeds to run: the first only in quick mode.
     *
     * @return seeds
     */
    public List<Long> runSeeds() {
        return quick ? List.of(seeds.get(0)) : List.copyOf(seeds);
    }

    /**
     * The output directory: {@code --output}, else {@code runs/<job>-<timestamp>}.
     *
     * @param job the command name
     * @return directory
     */
    public Path outputDir(String job) {
        return output != null ? output : Path.of("runs", job + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
}
