package io.github.treelora.examples.trace;

import io.github.treelora.djl.cl.Backbone;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.TaskInference;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.djl.models.HostTensor;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import ai.djl.ndarray.NDManager;
import io.github.treelora.examples.backbone.Backbones;
import io.github.treelora.examples.benchmark.BenchmarkOptions;
import io.github.treelora.examples.benchmark.Budget;
import io.github.treelora.examples.benchmark.ContinualBenchmark;
import io.github.treelora.examples.benchmark.RunRecord;
import io.github.treelora.examples.decoder.DecoderCard;
import io.github.treelora.examples.decoder.Decoders;
import io.github.treelora.examples.runtime.RunDirectory;
import io.github.treelora.examples.runtime.DataCache;
import io.github.treelora.examples.runtime.Machine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trace-offline}: the paper's LLM protocol on the TRACE-like stream ({@link TraceStream}) and the
 * self-pretrained decoder: one model, trained task after task, evaluated after each task on every task seen so far
 * by generating answers (no task id, no class mask) scored with each task's metric; OP, BWT (paper and the authors'
 * clipped variant), per-task tables and score-matrix pictures ({@link TraceReport}). Budgets: the command's defaults,
 * the budget options, or {@code --tune-epochs}, which chooses every strategy's epochs per task by one rule on the
 * validation split of the first seed (highest validation OP; a tie goes to fewer epochs) before the final runs.
 */
@Command(name = "trace-offline", mixinStandardHelpOptions = true,
        description = "Continual learning of a TRACE-like stream of 6 generation tasks (supersense, code, arithmetic, "
                + "language, lemma, simplify) on the self-pretrained decoder with SeqLoRA, O-LoRA, InfLoRA, "
                + "TreeLoRA-PAPER and TreeLoRA-REFERENCE (TreeLoRA lambda default 0.5, the authors' LLM value); "
                + "writes results.json, report.md and score-matrix pictures.")
public final class TraceOfflineCommand implements Callable<Integer> {

    /** Class-path folder of the stream's decoder. */
    public static final String DECODER_RESOURCE = "backbones/llama-trace";

    /** The strategies run by default (the ablations treelora-reference-lambda0/-random run when named). */
    static final List<String> STRATEGIES = List.of("seqlora", "olora", "inflora", "treelora-reference", "treelora");

    /** The authors' TreeLoRA lambda for LLMs. */
    static final double LLM_LAMBDA = 0.5;

    /**
     * Default budgets (docs/benchmarks.md, TRACE-like stream, third decoder): 2 epochs per task at lr 1e-3 for every
     * strategy, with {@link #TRAIN} examples per task: the SeqLoRA probe with the highest just-learned score on the
     * validation split of seed 1 (2,000 examples and 4 epochs, the same work, came second; lr 2e-3 collapses).
     * Per-strategy epochs by {@code --tune-epochs} are not chosen for this decoder yet.
     */
    static final Map<String, Budget> DEFAULTS = BenchmarkOptions.sameForAll(2, 1e-3);

    /** Default training examples per task: with 200 the decoder reads no operand of a word problem. */
    static final int TRAIN = 4000;

    /** The output layer's module name; as a LoRA target it adapts the output path only (see {@link #withOwnHead}). */
    static final String HEAD = "lm_head";

    /**
     * Default LoRA targets: every linear layer of every block and the output layer. With the authors' q_proj,v_proj
     * the frozen output layer caps what the small decoder learns (docs/benchmarks.md, TRACE-like stream).
     */
    static final List<String> TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj", HEAD);

    @Spec
    private CommandSpec spec;

    /**
     * The model with an output matrix of its own: a decoder with tied embeddings gets an untied copy whose
     * {@code lm_head.weight} equals the embedding table, so the same function, with a head that LoRA can wrap. An
     * adapter on it then changes the output projection only, not the input embedding, as PEFT does when it targets
     * the {@code lm_head} of a tied model. An untied decoder is returned as it is.
     *
     * @param lm a loaded decoder
     * @param manager the manager that owns its parameters
     * @return a decoder with an untied head computing the same logits
     */
    static LlamaForCausalLM withOwnHead(LlamaForCausalLM lm, NDManager manager) {
        LlamaConfig c = lm.config();
        if (!c.tieWordEmbeddings()) {
            return lm;
        }
        LlamaConfig untied = new LlamaConfig(c.modelType(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(),
                c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.rmsNormEps(),
                c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings(), false, c.qkvBias(), c.oProjBias(),
                c.mlpBias(), c.slidingWindow(), c.hiddenAct(), c.unitOffsetNorm(), c.scaledEmbeddings());
        Map<String, HostTensor> weights = new LinkedHashMap<>(StateDict.snapshot(lm));
        weights.put(HEAD + ".weight", weights.get("model.embed_tokens.weight"));
        LlamaForCausalLM own = new LlamaForCausalLM(untied);
        own.initializeParameters(manager);
        own.loadWeights(InMemoryTensorSource.of(weights));
        lm.getParameters().values().forEach(p -> p.close());
        return own;
    }

    @Mixin
    BenchmarkOptions options = defaults();

    @Option(names = "--train", defaultValue = "" + TRAIN, paramLabel = "N",
            description = "Training examples per task (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--eval", defaultValue = "60", paramLabel = "N",
            description = "Validation and test examples per task (default: ${DEFAULT-VALUE}).")
    int eval;

    @Option(names = "--decoder", paramLabel = "DIR",
            description = "Decoder directory (default: the shipped " + DECODER_RESOURCE + ").")
    Path decoder;

    @Option(names = "--lora-targets", split = ",", paramLabel = "MODULE[,MODULE...]",
            description = "Adapted linear layers (default: the seven linear layers of every block and lm_head; the "
                    + "authors adapt q_proj,v_proj); lm_head adapts the output projection (of a tied decoder: its "
                    + "output use of the embedding only, as PEFT does).")
    List<String> targets = new ArrayList<>(TARGETS);

    @Option(names = "--tune-epochs", split = ",", paramLabel = "N[,N...]",
            description = "Choose each strategy's epochs per task among these on the validation split of the first "
                    + "seed (highest OP, ties to fewer epochs), then run the final evaluation.")
    List<Integer> tuneEpochs = new ArrayList<>();

    @Option(names = "--tasks", split = ",", paramLabel = "NAME[,NAME...]",
            description = "Run only these tasks of the stream, in stream order (default: all of "
                    + "supersense,code,arithmetic,language,lemma,simplify).")
    List<String> taskNames = new ArrayList<>(TraceStream.TASKS);

    /** Creates the command (picocli fills the options). */
    public TraceOfflineCommand() {}

    private static BenchmarkOptions defaults() {
        BenchmarkOptions o = new BenchmarkOptions(8, 8, TaskInference.NONE, DEFAULTS);
        o.strategies = new ArrayList<>(STRATEGIES);
        o.treeLoraLambda = LLM_LAMBDA;
        return o;
    }

    /**
     * The stream's shipped decoder directory.
     *
     * @return the directory
     * @throws IOException if it is not on the class path
     */
    public static Path shippedDecoder() throws IOException {
        return Backbones.shipped(DECODER_RESOURCE, Decoders.FILES, "pretrain-decoder --corpus trace");
    }

    @Override
    public Integer call() throws IOException {
        BenchmarkOptions.Start start = options.start(spec, "the protocol has no task identity", check -> check);
        if (start == null) {
            return 2;
        }
        PrintWriter out = start.out();
        PrintWriter err = start.err();
        Map<String, Budget> budgets = start.budgets();
        if (train < 1 || eval < 1) {
            err.println("trace-offline: --train and --eval must be positive, got " + train + " and " + eval);
            return 2;
        }
        if (targets.isEmpty() || targets.stream().anyMatch(String::isBlank)) {
            err.println("trace-offline: --lora-targets must name at least one module");
            return 2;
        }
        if (tuneEpochs.stream().anyMatch(e -> e == null || e < 1)) {
            err.println("trace-offline: --tune-epochs values must be positive, got " + tuneEpochs);
            return 2;
        }
        if (!tuneEpochs.isEmpty() && options.validation) {
            err.println("trace-offline: --tune-epochs chooses on the validation split and then reports the test split; "
                    + "drop --validation");
            return 2;
        }
        for (String t : taskNames) {
            if (!TraceStream.TASKS.contains(t)) {
                err.println("trace-offline: --tasks names unknown task '" + t + "'; known: " + TraceStream.TASKS);
                return 2;
            }
        }
        if (taskNames.isEmpty() || taskNames.stream().distinct().count() != taskNames.size()) {
            err.println("trace-offline: --tasks must name each task at most once, got " + taskNames);
            return 2;
        }
        Path dir = decoder != null ? decoder : shippedDecoder();
        DecoderCard card = Decoders.readCard(dir);
        String[] vocabulary = TraceData.vocabulary(dir);
        TraceStream.Sizes sizes = options.quick ? new TraceStream.Sizes(4, 2, 2) : new TraceStream.Sizes(train, eval,
                eval);
        List<Long> seeds = options.runSeeds();
        List<String> names = start.names();
        BenchmarkOptions.Begun begun = options.openLoggedRun(spec, start);
        if (begun.run() == null) {
            return begun.exitCode();
        }
        RunDirectory run = begun.run();
        Path outDir = run.output();
        Path cache = options.cache();
        int rank = options.rank;
        LoraConfig lora = options.lora(targets);
        Map<Long, List<TraceTask>> streams = new HashMap<>();
        for (long seed : seeds) {
            List<TraceTask> all = DataCache.loadOrFetch(cache, out, () -> TraceStream.build(cache, sizes, seed));
            streams.put(seed, all.stream().filter(t -> taskNames.contains(t.name())).toList());
        }
        out.printf(Locale.ROOT, "trace-offline: %s decoder %s (%d parameters); %d tasks, %d train / %d %s examples "
                + "per task; strategies %s; seeds %s; LoRA rank %d on %s; output %s%n", card.provenance(),
                dir.toAbsolutePath(), card.parameters(), taskNames.size(), sizes.train(), sizes.test(),
                options.validation ? "validation" : "test", names, seeds, rank, targets, outDir.toAbsolutePath());
        out.flush();
        String rule;
        List<RunRecord> runs;
        Map<String, Budget> used;
        try (HfTokenizer tokenizer = Decoders.tokenizer(dir)) {
            boolean adaptHead = targets.contains(HEAD);
            ContinualBenchmark.BackboneSource backbones = manager -> {
                LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(dir, manager);
                if (adaptHead) {
                    lm = withOwnHead(lm, manager);
                }
                return new Backbone("self-pretrained LLaMA decoder (" + dir.getFileName() + ")", lm,
                        lm.config().vocabSize());
            };
            if (!tuneEpochs.isEmpty() && !options.quick) {
                long first = seeds.get(0);
                List<ContinualTask> validationTasks = TraceData.tasks(streams.get(first), tokenizer, vocabulary, true);
                Map<String, Budget> chosen = new LinkedHashMap<>();
                for (String n : names) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int e : tuneEpochs.stream().sorted().distinct().toList()) {
                        Budget candidate = new Budget(e, budgets.get(n).learningRate());
                        ContinualBenchmark.Outcome o = ContinualBenchmark.run(List.of(first), List.of(n),
                                Map.of(n, candidate), options.settings(64, taskNames.size(), lora),
                                seed -> validationTasks, backbones, out);
                        double op = o.runs().get(0).metrics().accuracy();
                        out.printf(Locale.ROOT, "  tuning %s: %d epochs -> validation OP %.2f%%%n", n, e, 100 * op);
                        if (op > best) {
                            best = op;
                            chosen.put(n, candidate);
                        }
                    }
                }
                budgets = chosen;
                rule = "epochs per task chosen per strategy among " + tuneEpochs + " by the highest OP on the "
                        + "validation split of seed " + first + " (ties to fewer epochs); lr as given";
            } else {
                rule = "the same epochs and learning rate for every strategy unless given per strategy "
                        + "(no tuning in this run)";
            }
            boolean validation = options.validation;
            ContinualBenchmark.Outcome outcome = ContinualBenchmark.run(seeds, names, budgets,
                    options.settings(64, taskNames.size(), lora),
                    seed -> TraceData.tasks(streams.get(seed), tokenizer, vocabulary, validation), backbones,
                    run.checkpoints(), out);
            runs = outcome.runs();
            used = outcome.budgets();
        }
        double wall = start.seconds();
        List<String> header = new ArrayList<>();
        header.add("Command: `" + RunDirectory.commandLine(spec) + "`; " + start.started() + "; " + Machine.describe()
                + String.format(Locale.ROOT, "; %.1f s.", wall));
        String stages = card.data().startsWith(Decoders.CONTINUED) ? " continuing earlier stages (its card lists them)"
                : "";
        header.add("Decoder: **self-pretrained** LLaMA-architecture decoder (" + card.parameters() + " parameters, "
                + card.steps() + " pretraining steps" + stages + ", held-out gloss perplexity "
                + card.heldOutPerplexity() + "), frozen; LoRA rank " + rank + " (alpha " + 2 * rank + ") on " + targets
                + " of every layer. No pretrained decoder weights exist offline.");
        header.add("Protocol: " + taskNames.size() + " tasks in the order " + streams.get(seeds.get(0)).stream()
                .map(TraceTask::name).toList() + ", "
                + sizes.train() + " training examples per task, evaluated on " + sizes.test() + " "
                + (options.validation ? "validation" : "test") + " examples per task after every task; prompt "
                + "`<s> text <sep>`, answer generated greedily until `</s>`; no task id, no class mask; each task "
                + "scored by its own metric in the decoder's vocabulary (a word outside it is `<unk>` in the reference "
                + "too). Adam re-created per task, batch " + options.batch + "; TreeLoRA lambda "
                + options.treeLoraLambda + ". Seeds " + seeds + (options.quick ? " (quick smoke run)" : "") + ".");
        header.add("Budgets: " + rule + ".");
        Map<String, double[]> trivial = TraceData.trivialScores(seeds.stream().map(streams::get).toList(),
                vocabulary, options.validation);
        TraceReport report = new TraceReport(header, streams.get(seeds.get(0)), runs, used, trivial);
        report.write(run.work());
        run.commit();
        out.println();
        out.print(report.consoleTable());
        out.printf(Locale.ROOT, "trace-offline: %d runs in %.1f s; wrote %s%n", runs.size(), wall,
                outDir.toAbsolutePath());
        out.flush();
        return 0;
    }
}
