package io.github.treelora.examples.benchmark;

import io.github.treelora.djl.cl.TaskInference;
import io.github.treelora.djl.lora.LoraConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every continual-learning benchmark command shares (a picocli mixin): strategies, seeds, epochs,
 * optimisation, holdout, smoke mode, task inference and output. Commands create it with their own defaults (batch
 * size, learning rate, rank, task inference, and epochs per strategy).
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

    /** Epochs per task for every strategy, overriding the command's defaults. */
    @Option(names = "--epochs", paramLabel = "N", description = "Epochs per task for every strategy (default: the "
            + "command's per-strategy budget, chosen on the validation holdout and printed when the run starts).")
    public Integer epochs;

    /** Epochs per task of single strategies, overriding {@link #epochs} and the defaults. */
    @Option(names = "--strategy-epochs", split = ",", paramLabel = "NAME=N",
            description = "Per-strategy epochs overriding --epochs and the defaults, e.g. inflora=2,treelora=1.")
    public Map<String, Integer> strategyEpochs = new LinkedHashMap<>();

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

    /** Per-strategy default epochs of the command. */
    private final Map<String, Integer> defaultEpochs;

    /** For picocli. */
    public BenchmarkOptions() {
        this(32, 5e-3, 4, TaskInference.NONE, Map.of());
    }

    /**
     * Options with a command's own defaults.
     *
     * @param batch default batch size
     * @param lr default learning rate
     * @param rank default LoRA rank
     * @param taskInference default task inference
     * @param defaultEpochs default epochs per task, by strategy name (every name of {@link Strategies#NAMES} the
     *        command may run)
     */
    public BenchmarkOptions(int batch, double lr, int rank, TaskInference taskInference,
            Map<String, Integer> defaultEpochs) {
        this.batch = batch;
        this.lr = lr;
        this.rank = rank;
        this.taskInference = taskInference;
        this.defaultEpochs = Map.copyOf(defaultEpochs);
    }

    /**
     * Epochs per task of each strategy: {@code --strategy-epochs}, else {@code --epochs}, else the command's
     * default; 1 in quick mode. Prints an error and returns null when a count is not positive or
     * {@code --strategy-epochs} names a strategy that is not selected.
     *
     * @param job the command name, for the message
     * @param names the selected strategies (as from {@link #strategyNames})
     * @param err where to print
     * @return epochs by strategy name, in the order of {@code names}, or null
     */
    public Map<String, Integer> epochsByStrategy(String job, List<String> names, PrintWriter err) {
        if (epochs != null && epochs < 1) {
            err.println(job + ": --epochs " + epochs + " must be positive");
            return null;
        }
        Map<String, Integer> own = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : strategyEpochs.entrySet()) {
            String name = e.getKey().trim().toLowerCase(Locale.ROOT);
            if (!names.contains(name) || e.getValue() == null || e.getValue() < 1) {
                err.println(job + ": --strategy-epochs " + e.getKey() + "=" + e.getValue()
                        + " must name a selected strategy " + names + " with a positive count");
                return null;
            }
            own.put(name, e.getValue());
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String n : names) {
            Integer chosen = own.containsKey(n) ? own.get(n) : epochs != null ? epochs : defaultEpochs.get(n);
            if (chosen == null) {
                throw new IllegalStateException(job + " has no default epochs for " + n);
            }
            out.put(n, quick ? 1 : chosen);
        }
        return out;
    }

    /**
     * The same default for every strategy.
     *
     * @param epochs epochs per task
     * @return default epochs by strategy name
     */
    public static Map<String, Integer> sameEpochs(int epochs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        Strategies.NAMES.forEach(n -> m.put(n, epochs));
        return m;
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
