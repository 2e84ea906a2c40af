package io.github.treelora.examples.benchmark;

import io.github.treelora.djl.cl.StrategyRegistry;
import io.github.treelora.djl.cl.TaskInference;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.runtime.OptionCheck;
import io.github.treelora.examples.runtime.RunDirectory;
import io.github.treelora.examples.runtime.RunLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options every continual-learning benchmark command shares (a picocli mixin): strategies, seeds, per-strategy
 * budgets (epochs and learning rate), optimisation, holdout, smoke mode, task inference, and the output directory with
 * {@code --overwrite} and {@code --resume} ({@link RunDirectory}). Commands create
 * it with their own defaults (batch size, rank, task inference, and a {@link Budget} per strategy).
 */
public final class BenchmarkOptions {

    /** Strategies to run, as given. */
    @Option(names = "--strategies", split = ",", paramLabel = "NAME[,NAME...]",
            description = "Strategies to run: seqlora, olora, inflora, treelora (PAPER preset), treelora-reference "
                    + "(default: ${DEFAULT-VALUE}).")
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

    /** Adam learning rate for every strategy, overriding the command's defaults. */
    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate for every strategy (default: the "
            + "command's per-strategy value, chosen on the validation holdout and printed when the run starts).")
    public Double lr;

    /** Learning rates of single strategies, overriding {@link #lr} and the defaults. */
    @Option(names = "--strategy-lr", split = ",", paramLabel = "NAME=LR",
            description = "Per-strategy learning rates overriding --lr and the defaults, e.g. olora=1e-2,inflora=5e-3.")
    public Map<String, Double> strategyLr = new LinkedHashMap<>();

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
            + "(default: ${DEFAULT-VALUE}; the authors use 0.1 for ViTs and 0.5 for LLMs).")
    public double treeLoraLambda = Strategies.TREELORA_LAMBDA;

    /** Output directory. */
    @Option(names = "--output", paramLabel = "DIR", description = "Output directory (default: "
            + "runs/<command>-<timestamp>).")
    public Path output;

    /** Replace a non-empty output directory. */
    @Option(names = "--overwrite", description = RunDirectory.OVERWRITE_HELP)
    public boolean overwrite;

    /** Continue the interrupted run in the output directory. */
    @Option(names = "--resume", description = RunDirectory.RESUME_HELP)
    public boolean resume;

    /** Dataset cache. */
    @Option(names = "--data", paramLabel = "DIR", description = "Dataset cache (default: $TREELORA_DATA or "
            + "~/.cache/treelora/data).")
    public Path data;

    /** {@code --verbose}. */
    @Option(names = {"-v", "--verbose"}, description = "Also show the log's details (per task and epoch) on the "
            + "console; they are always in run.log in the output directory.")
    public boolean verbose;

    /** Per-strategy defaults of the command. */
    private final Map<String, Budget> defaults;

    /** For picocli. */
    public BenchmarkOptions() {
        this(32, 4, TaskInference.NONE, Map.of());
    }

    /**
     * Options with a command's own defaults.
     *
     * @param batch default batch size
     * @param rank default LoRA rank
     * @param taskInference default task inference
     * @param defaults default epochs and learning rate, by strategy name (every name of {@link Strategies#NAMES}
     *        the command may run)
     */
    public BenchmarkOptions(int batch, int rank, TaskInference taskInference, Map<String, Budget> defaults) {
        this.batch = batch;
        this.rank = rank;
        this.taskInference = taskInference;
        this.defaults = Map.copyOf(defaults);
    }

    /**
     * The same budget for every strategy.
     *
     * @param epochs epochs per task
     * @param learningRate learning rate
     * @return default budgets by strategy name
     */
    public static Map<String, Budget> sameForAll(int epochs, double learningRate) {
        Map<String, Budget> m = new LinkedHashMap<>();
        Strategies.NAMES.forEach(n -> m.put(n, new Budget(epochs, learningRate)));
        return m;
    }

    /**
     * Epochs and learning rate of each strategy: {@code --strategy-epochs} / {@code --strategy-lr}, else
     * {@code --epochs} / {@code --lr}, else the command's default; 1 epoch in quick mode. Prints an error and
     * returns null when a value is not positive or a per-strategy option names a strategy that is not selected.
     *
     * @param job the command name, for the message
     * @param names the selected strategies, known and lower-cased
     * @param err where to print
     * @return budgets by strategy name, in the order of {@code names}, or null
     */
    Map<String, Budget> budgets(String job, List<String> names, PrintWriter err) {
        Map<String, Integer> ownEpochs = perStrategy(job, "--epochs", epochs, "--strategy-epochs", strategyEpochs,
                names, err);
        Map<String, Double> ownLr = perStrategy(job, "--lr", lr, "--strategy-lr", strategyLr, names, err);
        if (ownEpochs == null || ownLr == null) {
            return null;
        }
        Map<String, Budget> out = new LinkedHashMap<>();
        for (String n : names) {
            Budget d = defaults.get(n);
            if (d == null) {
                throw new IllegalStateException(job + " has no default budget for " + n);
            }
            int e = ownEpochs.getOrDefault(n, d.epochs());
            out.put(n, new Budget(quick ? 1 : e, ownLr.getOrDefault(n, d.learningRate())));
        }
        return out;
    }

    /**
     * The values given on the command line, by selected strategy: the per-strategy option over the one for all.
     * Null after printing an error (a value not finite and positive, or a strategy that is not selected).
     */
    private static <T extends Number> Map<String, T> perStrategy(String job, String allOption, T all,
            String ownOption, Map<String, T> own, List<String> names, PrintWriter err) {
        if (all != null && !positive(all)) {
            new OptionCheck(job, err).fail(allOption, String.valueOf(all),
                    all instanceof Integer ? "an integer >= 1" : "a finite number > 0");
            return null;
        }
        Map<String, T> out = new LinkedHashMap<>();
        if (all != null) {
            names.forEach(n -> out.put(n, all));
        }
        for (Map.Entry<String, T> e : own.entrySet()) {
            String name = e.getKey().trim().toLowerCase(Locale.ROOT);
            if (!names.contains(name) || e.getValue() == null || !positive(e.getValue())) {
                err.println(job + ": " + ownOption + " " + e.getKey() + "=" + e.getValue()
                        + " must name a selected strategy " + names + " with a positive value");
                return null;
            }
            out.put(name, e.getValue());
        }
        return out;
    }

    private static boolean positive(Number v) {
        return v.doubleValue() > 0 && Double.isFinite(v.doubleValue());
    }

    /**
     * Checks the options and gives each selected strategy its budget. Prints an error naming the option and its
     * allowed range, and returns null, for an unknown strategy, no seeds, a batch size, rank, epoch count or learning
     * rate that is not positive, a negative or infinite TreeLoRA lambda, or a per-strategy option naming a strategy
     * that is not selected.
     *
     * @param job the command name, for the message
     * @param err where to print
     * @return budgets by strategy name (trimmed, lower-cased), in the order given, or null
     */
    public Map<String, Budget> plan(String job, PrintWriter err) {
        List<String> names = strategies.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
        for (String n : names) {
            if (!Strategies.NAMES.contains(n)) {
                err.println(job + ": " + StrategyRegistry.unknown(n));
                return null;
            }
        }
        OptionCheck check = new OptionCheck(job, err);
        if (seeds.isEmpty()) {
            check.fail("--seeds", "(none)", "at least one seed");
        }
        if (!check.atLeast("--batch", batch, 1).atLeast("--rank", rank, 1)
                .notNegative("--treelora-lambda", treeLoraLambda).ok()) {
            return null;
        }
        return budgets(job, names, err);
    }

    /**
     * How a benchmark command's run began: when, where it prints, and the budgets of its strategies.
     *
     * @param nanoTime {@link System#nanoTime()} at the start
     * @param started the start as an ISO-8601 instant
     * @param out the command's output
     * @param err the command's error output
     * @param budgets budgets by strategy name ({@link #plan})
     */
    public record Start(long nanoTime, String started, PrintWriter out, PrintWriter err, Map<String, Budget> budgets) {

        /**
         * Wall time since the start.
         *
         * @return seconds
         */
        public double seconds() {
            return (System.nanoTime() - nanoTime) / 1e9;
        }

        /**
         * The strategies to run.
         *
         * @return the names of {@link #budgets()}, in order
         */
        public List<String> names() {
            return List.copyOf(budgets.keySet());
        }
    }

    /**
     * The checks every benchmark command opens with, in this order: the shared options ({@link #plan}), then
     * {@code --task-inference} where it does not apply, then the command's own options. Prints an error naming the
     * option and returns null if one fails.
     *
     * @param spec the command
     * @param noTaskInference why {@code --task-inference} does not apply to the command, or null where it does
     * @param ownChecks adds the command's own option checks to the given check
     * @return the start, or null after an error message
     */
    public Start start(CommandSpec spec, String noTaskInference, UnaryOperator<OptionCheck> ownChecks) {
        long t0 = System.nanoTime();
        String started = Instant.now().toString();
        String job = spec.name();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Budget> budgets = plan(job, err);
        if (budgets == null) {
            return null;
        }
        if (noTaskInference != null && taskInference != TaskInference.NONE) {
            err.println(job + ": --task-inference does not apply: " + noTaskInference);
            return null;
        }
        return ownChecks.apply(new OptionCheck(job, err)).ok() ? new Start(t0, started, out, err, budgets) : null;
    }

    /**
     * A benchmark command's run once its options are checked and its run directory is ready: {@link #run()} is null
     * when the command should end now with {@link #exitCode()} (2 after an error message, 0 when a resumed run had
     * already finished).
     *
     * @param start how the run began, or null when an option check failed
     * @param run the run to work in, with its log started, or null to end now
     * @param exitCode the exit code when {@code run} is null
     */
    public record Begun(Start start, RunDirectory run, int exitCode) {
    }

    /**
     * {@link #start} followed by {@link #openLoggedRun}: the opening of a benchmark command that has no other check.
     *
     * @param spec the command
     * @param noTaskInference as for {@link #start}
     * @param ownChecks as for {@link #start}
     * @return the run, or an exit code
     * @throws IOException if the work directory or log cannot be prepared
     */
    public Begun begin(CommandSpec spec, String noTaskInference, UnaryOperator<OptionCheck> ownChecks)
            throws IOException {
        Start start = start(spec, noTaskInference, ownChecks);
        return start == null ? new Begun(null, null, 2) : openLoggedRun(spec, start);
    }

    /**
     * Prepares the run ({@link #openRun}) and, unless it had already finished, starts its log in the work directory
     * ({@link RunLog#open}, {@code --verbose}).
     *
     * @param spec the command
     * @param start the command's start
     * @return the run, or an exit code
     * @throws IOException if the work directory or log cannot be prepared
     */
    public Begun openLoggedRun(CommandSpec spec, Start start) throws IOException {
        RunDirectory run = openRun(spec, start.out(), start.err());
        if (run == null) {
            return new Begun(start, null, 2);
        }
        if (run.finished()) {
            return new Begun(start, null, 0);
        }
        RunLog.open(run.work(), verbose);
        return new Begun(start, run, 0);
    }

    /**
     * The report's description of the optimiser.
     *
     * @return e.g. "Adam, constant learning rate (per strategy, in the table), batch 64, re-created at each task"
     */
    public String optimizerSetting() {
        return "Adam, constant learning rate (per strategy, in the table), batch " + batch + ", re-created at each task";
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
        return new ContinualBenchmark.Settings(batch, evalBatch, numClasses, lora, taskInference, treeLoraLambda);
    }

    /**
     * The adapters of every strategy: rank {@code --rank}, alpha twice the rank, on {@code targets}.
     *
     * @param targets the adapted modules, for example the model family's {@code defaultLoraTargets()}
     * @return the adapter settings
     */
    public LoraConfig lora(List<String> targets) {
        return LoraConfig.builder().rank(rank).alpha(2.0 * rank).targetModules(targets).build();
    }

    /**
     * The dataset cache: {@code --data}, else {@link Datasets#defaultCache()}.
     *
     * @return the directory
     */
    public Path cache() {
        return data != null ? data : Datasets.defaultCache();
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
     * Checks the output directory and prepares the run in it ({@link RunDirectory#open}): before any work, so a bad
     * {@code --output} or a refused {@code --resume} costs nothing. {@code --resume} needs {@code --output}.
     *
     * @param spec the command
     * @param out where progress notes go
     * @param err where errors go
     * @return the run, or null after an error message
     * @throws IOException if the work directory cannot be prepared
     */
    public RunDirectory openRun(CommandSpec spec, PrintWriter out, PrintWriter err) throws IOException {
        if (resume && output == null) {
            err.println(spec.name() + ": --resume needs --output, the directory of the run to continue");
            err.flush();
            return null;
        }
        return RunDirectory.open(spec, outputDir(spec.name()), overwrite, resume, out, err);
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
