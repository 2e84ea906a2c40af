package io.github.treelora.examples.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.Preset;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.models.SafetensorsTensorSource;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.djl.train.TreeLoraHook;
import io.github.treelora.examples.runtime.OptionCheck;
import io.github.treelora.io.AtomicDirectory;
import io.github.treelora.io.AtomicFile;
import io.github.treelora.io.SafetensorsDType;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-llm --shape qwen2.5-0.5b|llama-3.2-1b|llama-3-8b|tiny --work DIR}: the cost of LoRA training on a
 * real-size LLM. It builds (once; later runs reuse it) a random-weight BF16 checkpoint of the shape's exact
 * architecture with {@link RandomCheckpoint} in {@code DIR/<shape>}, sharded with an index above
 * {@code --shard-gb} as Hugging Face checkpoints are, then measures in this JVM:
 * <ol>
 *   <li>loading it with {@code LlamaForCausalLM.fromPretrained} in the chosen weight storage: seconds, GB/s of
 *       checkpoint bytes, peak resident memory ({@code VmHWM}) of the load;</li>
 *   <li>for each batch size, the median LoRA training step on {@code batch × seq} random token ids ({@link TokenIds}, seeded): the
 *       lean causal-LM loss ({@code causalLmLoss}), backward, and Adam on the LoRA matrices only (rank r, alpha 2r,
 *       on {@code --targets}; {@code --recompute}: decoder layers recomputed during backward), with and without
 *       the TreeLoRA hook in alternating order (ABBA), so machine drift hits
 *       both; tokens/s; the step phase's peak resident memory.</li>
 * </ol>
 * The hook runs as {@code TreeLoraStrategy} runs it, between backward and the update, in its costliest state: one
 * task is already stored, so every step folds in the gradients, selects a task per layer and adds the rule's term.
 * It prints a table and writes the result as JSON and markdown. The PyTorch reference of the same step is
 * {@code treelora-examples/scripts/bench_llm_step.py}; {@code bench-llm-djl-vs-python.sh} runs both.
 */
@Command(name = "bench-llm", mixinStandardHelpOptions = true,
        description = "LoRA training on a real-size LLM shape: checkpoint load (GB/s), peak RSS, median step with "
                + "and without the TreeLoRA hook, tokens/s.")
public final class LlmBenchmarkCommand implements Callable<Integer> {

    /** The file that marks a complete checkpoint built by this command, with what it was built from. */
    static final String MANIFEST = "bench-llm-checkpoint.json";

    /** Seed of the random weights (fixed: a checkpoint is reused across runs). */
    static final long WEIGHT_SEED = 42;

    private static final String JOB = "bench-llm";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

    @Option(names = "--shape", defaultValue = "qwen2.5-0.5b", paramLabel = "NAME",
            description = "Model shape: qwen2.5-0.5b, llama-3.2-1b, llama-3-8b or tiny (default: ${DEFAULT-VALUE}).")
    private String shapeName;

    @Option(names = "--work", required = true, paramLabel = "DIR",
            description = "Directory of the checkpoint (DIR/<shape>, built when absent, reused when present) and the "
                    + "results.")
    private Path work;

    @Option(names = "--storage", defaultValue = "float32", paramLabel = "TYPE",
            description = "Storage type of the frozen weights: float32 or float16 (default: ${DEFAULT-VALUE}).")
    private String storageName;

    @Option(names = "--batch", defaultValue = "1,4", split = ",", paramLabel = "B",
            description = "Batch sizes to measure, comma-separated (default: ${DEFAULT-VALUE}).")
    private List<Integer> batches;

    @Option(names = "--seq", defaultValue = "256", paramLabel = "T",
            description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    private int seq;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N",
            description = "Untimed steps per batch size before the timed ones (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--repeats", defaultValue = "3", paramLabel = "N",
            description = "Timed steps per batch size and arm; medians are reported; 0 measures the load only "
                    + "(default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "PyTorch intra-op and inter-op threads (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--rank", defaultValue = "8", paramLabel = "R",
            description = "LoRA rank; alpha is 2 r (default: ${DEFAULT-VALUE}).")
    private int rank;

    @Option(names = "--targets", defaultValue = "q_proj,v_proj", split = ",", paramLabel = "MODULE",
            description = "Modules that get LoRA, comma-separated (default: ${DEFAULT-VALUE}).")
    private List<String> targets;

    @Option(names = "--hook", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also time every step with the TreeLoRA hook (--no-hook: without only; default: on).")
    private boolean hook;

    @Option(names = "--recompute", description = "Recompute the decoder layers one at a time during backward "
            + "instead of keeping every layer's graph (lower peak memory, one more forward pass; see "
            + "LlamaModel.backward).")
    private boolean recompute;

    @Option(names = "--preset", defaultValue = "PAPER", paramLabel = "PRESET",
            description = "TreeLoRA preset of the hook: PAPER or REFERENCE (default: ${DEFAULT-VALUE}).")
    private Preset preset;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the random token ids (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--shard-gb", defaultValue = "5", paramLabel = "GB",
            description = "Largest shard of a new checkpoint, as transformers' max_shard_size; an existing "
                    + "checkpoint is reused as it is sharded (default: ${DEFAULT-VALUE}).")
    private double shardGb;

    @Option(names = "--build-only", description = "Build (or check) the checkpoint and stop, without loading it.")
    private boolean buildOnly;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Result JSON (a markdown table is written next to it, .md); default: "
                    + "DIR/bench-llm-<shape>-<storage>.json.")
    private Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        LlmShape shape = LlmShape.byName(shapeName);
        WeightStorage storage = switch (storageName.toLowerCase(Locale.ROOT)) {
            case "float32" -> WeightStorage.FLOAT32;
            case "float16" -> WeightStorage.FLOAT16;
            default -> null;
        };
        OptionCheck check = new OptionCheck(JOB, err);
        if (shape == null) {
            check.fail("--shape", shapeName, "one of " + LlmShape.names());
        }
        if (storage == null) {
            check.fail("--storage", storageName, "float32 or float16");
        }
        for (int b : batches) {
            check.atLeast("--batch", b, 1);
        }
        check.atLeast("--seq", seq, 2).atLeast("--warmup", warmup, 0).atLeast("--repeats", repeats, 0)
                .atLeast("--threads", threads, 1).atLeast("--rank", rank, 1).positive("--shard-gb", shardGb);
        if (targets.stream().anyMatch(String::isBlank)) {
            check.fail("--targets", String.join(",", targets), "module names such as q_proj,v_proj");
        }
        if (shape != null && seq > shape.config().maxPositionEmbeddings()) {
            check.fail("--seq", Integer.toString(seq), "at most the shape's " + shape.config().maxPositionEmbeddings()
                    + " positions");
        }
        if (!check.ok()) {
            return 2;
        }
        Path ckpt = work.resolve(shape.cliName());
        Path result = out != null ? out
                : work.resolve("bench-llm-" + shape.cliName() + "-" + storageName.toLowerCase(Locale.ROOT) + ".json");
        long maxShardBytes = (long) (shardGb * 1e9);
        String problem = checkpointProblem(ckpt, shape);
        if (problem != null) {
            err.println(JOB + ": " + problem);
            err.flush();
            return 2;
        }
        String threadsInUse = EngineThreads.apply(threads);
        ObjectNode json = JSON.createObjectNode();
        json.put("command", JOB);
        json.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        json.put("shape", shape.cliName());
        json.put("storage", storageName.toLowerCase(Locale.ROOT));
        json.put("threads", threadsInUse);
        json.put("rank", rank);
        json.set("targets", JSON.valueToTree(targets));
        json.put("preset", preset.name());
        json.put("recompute", recompute);
        json.put("seed", seed);
        ObjectNode machine = json.putObject("machine");
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        machine.put("load_average_before", loadAverage());

        ObjectNode ck = json.putObject("checkpoint");
        ck.put("dir", ckpt.toAbsolutePath().toString());
        if (!Files.isDirectory(ckpt)) {
            stdout.printf(Locale.ROOT, "building a random BF16 %s checkpoint in %s ...%n", shape.cliName(), ckpt);
            stdout.flush();
            long t0 = System.nanoTime();
            AtomicDirectory.replace(ckpt, dir -> build(dir, shape, maxShardBytes));
            ck.put("built_seconds", round((System.nanoTime() - t0) / 1e9));
        } else {
            ck.put("built_seconds", (Double) null);
        }
        List<Path> files;
        try (SafetensorsTensorSource source = SafetensorsTensorSource.open(ckpt)) {
            files = source.files();
        } catch (IllegalArgumentException | UncheckedIOException e) {
            return damaged(err, ckpt, e);
        }
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        ck.put("files", files.size());
        ck.put("bytes", bytes);
        ck.put("dtype", "BF16");
        if (buildOnly) {
            stdout.printf(Locale.ROOT, "%s: BF16 checkpoint %.3f GB in %d file(s) in %s%n", shape.cliName(), bytes / 1e9,
                    files.size(), ckpt);
            return 0;
        }

        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            System.gc();
            ProcessMemory.resetPeak();
            long t0 = System.nanoTime();
            LlamaForCausalLM llm;
            try {
                llm = LlamaForCausalLM.fromPretrained(ckpt, root, storage);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                return damaged(err, ckpt, e);
            }
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            long parameters = 0;
            for (Parameter p : StateDict.parameters(llm).values()) {
                parameters += p.getArray().size();
            }
            ObjectNode load = json.putObject("load");
            load.put("seconds", round(loadSeconds));
            load.put("gb_per_s", round(bytes / 1e9 / loadSeconds));
            load.put("peak_rss_bytes", ProcessMemory.peakBytes());
            load.put("rss_after_bytes", ProcessMemory.residentBytes());
            ProcessMemory.settle(); // the checkpoint's mapped pages go once the cleaner has unmapped them
            load.put("rss_settled_bytes", ProcessMemory.residentBytes());
            json.put("parameters", parameters);
            LlamaConfig c = llm.config();
            stdout.printf(Locale.ROOT, "%s: %,d parameters (hidden %d, %d layers, %d/%d heads, MLP %d, vocabulary %d,"
                    + " %s embeddings), BF16 checkpoint %.3f GB in %d file(s)%n", shape.cliName(), parameters,
                    c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(),
                    c.intermediateSize(), c.vocabSize(), c.tieWordEmbeddings() ? "tied" : "untied", bytes / 1e9,
                    files.size());
            stdout.printf(Locale.ROOT, "load (%s storage): %.2f s, %.2f GB/s, peak RSS %.2f GB, RSS after %.2f GB"
                    + " (%.2f GB once the checkpoint is unmapped)%n", json.get("storage").asText(), loadSeconds,
                    bytes / 1e9 / loadSeconds, load.get("peak_rss_bytes").asLong() / 1e9,
                    load.get("rss_after_bytes").asLong() / 1e9, load.get("rss_settled_bytes").asLong() / 1e9);
            stdout.flush();

            ArrayNode steps = json.putArray("steps");
            if (repeats > 0) {
                measureSteps(llm, root, steps, stdout);
            }
        }
        machine.put("load_average_after", loadAverage());
        json.put("peak_rss_bytes", ProcessMemory.peakBytes());
        AtomicFile.writeString(result, JSON.writeValueAsString(json));
        AtomicFile.writeString(markdownFile(result), markdown(json));
        stdout.println("wrote " + result + " and " + markdownFile(result));
        return 0;
    }

    /** Injects LoRA, then times the steps of every batch size into {@code steps}. */
    private void measureSteps(LlamaForCausalLM llm, NDManager root, ArrayNode steps, PrintWriter stdout) {
        LoraModel lora = new LoraModel(llm);
        List<String> adapted = lora.addAdapter("cl", LoraConfig.builder().rank(rank).alpha(2.0 * rank)
                .targetModules(targets.toArray(String[]::new)).build());
        long trainable = 0;
        for (Parameter p : lora.trainableParameters()) {
            trainable += p.getArray().size();
        }
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-4f)).build();
        ParameterStore ps = new ParameterStore(root, false);
        ps.setParameterServer(new LocalParameterServer(adam), new Device[] {root.getDevice()});
        TokenIds ids = new TokenIds(seed);
        int vocab = llm.config().vocabSize();
        stdout.printf(Locale.ROOT, "LoRA r=%d alpha %d on %d modules (%s), %,d trainable parameters, Adam%s;"
                + " threads %s%n", rank, 2 * rank, adapted.size(), String.join(",", targets), trainable,
                recompute ? ", layers recomputed in backward" : "", System.getProperty("ai.djl.pytorch.num_threads"));
        stdout.printf(Locale.ROOT, "%-10s %12s %12s %10s %12s %10s %12s   %s%n", "batch", "step s", "with hook s",
                "overhead", "hook call s", "tokens/s", "peak RSS GB", "runs (without | with)");
        stdout.flush();
        try (TreeLoraHook treeLora = hook ? new TreeLoraHook(lora, "cl", TreeLoraConfig.of(preset), root) : null) {
            Step step = new Step(llm, ps, treeLora, ids, vocab, seq, recompute);
            if (treeLora != null) {
                // One stored task, so that every measured step selects a task per layer and applies the rule.
                treeLora.startTask(0);
                treeLora.startEpoch(1);
                step.run(batches.get(0), true);
                treeLora.finishTask();
                treeLora.startTask(1);
                treeLora.startEpoch(1_000_000);
            }
            for (int b : batches) {
                ProcessMemory.settle();
                ProcessMemory.resetPeak();
                for (int w = 0; w < warmup; w++) {
                    step.run(b, hook && w % 2 == 1);
                }
                List<Double> without = new ArrayList<>();
                List<Double> cpuWithout = new ArrayList<>();
                List<Double> with = new ArrayList<>();
                List<Double> calls = new ArrayList<>();
                List<Double> losses = new ArrayList<>();
                for (int r = 0; r < repeats; r++) {
                    // ABBA order: without, with; with, without; ...
                    for (boolean withHook : r % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                        if (withHook && !hook) {
                            continue;
                        }
                        double[] t = step.run(b, withHook);
                        (withHook ? with : without).add(t[0]);
                        if (withHook) {
                            calls.add(t[1]);
                        } else {
                            cpuWithout.add(t[3]);
                        }
                        losses.add(t[2]);
                    }
                }
                ObjectNode row = steps.addObject();
                double m0 = LoraVitStepRig.median(without);
                row.put("batch", b);
                row.put("seq", seq);
                row.put("tokens", (long) b * seq);
                row.put("warmup", warmup);
                row.put("repeats", repeats);
                row.put("median_s", round(m0));
                row.put("median_cpu_s", round(LoraVitStepRig.median(cpuWithout)));
                row.set("runs_s", JSON.valueToTree(without.stream().map(LlmBenchmarkCommand::round).toList()));
                row.put("tokens_per_s", round(b * seq / m0));
                row.put("first_loss", round(losses.get(0)));
                row.put("trainable", trainable);
                row.put("adapted_modules", adapted.size());
                String withText = "-";
                String overheadText = "-";
                String callText = "-";
                if (hook) {
                    double m1 = LoraVitStepRig.median(with);
                    ObjectNode h = row.putObject("hook");
                    h.put("median_s", round(m1));
                    h.set("runs_s", JSON.valueToTree(with.stream().map(LlmBenchmarkCommand::round).toList()));
                    h.put("median_call_s", round(LoraVitStepRig.median(calls)));
                    h.put("overhead", round(m1 / m0 - 1));
                    h.put("call_share", round(LoraVitStepRig.median(calls) / m0));
                    withText = String.format(Locale.ROOT, "%.3f", m1);
                    overheadText = String.format(Locale.ROOT, "%+.2f %%", 100 * (m1 / m0 - 1));
                    callText = String.format(Locale.ROOT, "%.4f", LoraVitStepRig.median(calls));
                }
                row.put("peak_rss_bytes", ProcessMemory.peakBytes());
                stdout.printf(Locale.ROOT, "%-10s %12.3f %12s %10s %12s %10.1f %12.2f   %s | %s%n", b + "x" + seq, m0,
                        withText, overheadText, callText, b * seq / m0, ProcessMemory.peakBytes() / 1e9,
                        seconds(without), seconds(with));
                stdout.flush();
            }
        }
    }

    /** One training step; holds what every step shares. */
    private record Step(LlamaForCausalLM llm, ParameterStore ps, TreeLoraHook hook, TokenIds random,
            int vocab, int seq, boolean recompute) {

        /**
         * Returns {step s, hook call s, loss, step CPU s}; drawing the token ids is not timed. CPU s is the process's
         * CPU time (all threads), less sensitive than wall time to other load on a shared machine.
         */
        double[] run(int batch, boolean withHook) {
            // Per-step sub-manager: every array of the step is freed when it closes.
            try (NDManager step = ps.getManager().newSubManager()) {
                long[] tokens = new long[batch * seq];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = random.next(vocab);
                }
                NDArray ids = step.create(tokens, new Shape(batch, seq));
                long t0 = System.nanoTime();
                long cpu0 = LoadBenchmarkCommand.OS.getProcessCpuTime();
                double loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    loss = llm.causalLmBackward(ps, gc, ids, null, ids, recompute);
                }
                long h0 = System.nanoTime();
                if (withHook) {
                    hook.afterBackward(loss);
                }
                long h1 = System.nanoTime();
                ps.updateAllParameters();
                return new double[] {(System.nanoTime() - t0) / 1e9, (h1 - h0) / 1e9, loss,
                        (LoadBenchmarkCommand.OS.getProcessCpuTime() - cpu0) / 1e9};
            }
        }
    }

    /**
     * Why the checkpoint directory cannot be used, or null when it is absent (to be built) or complete and built
     * with the same settings. Checks the manifest, the config and every file's size: cheap, before any loading.
     */
    static String checkpointProblem(Path ckpt, LlmShape shape) throws IOException {
        if (!Files.exists(ckpt)) {
            return null;
        }
        String remedy = "; delete " + ckpt + " to rebuild it, or choose another --work";
        Path manifestFile = ckpt.resolve(MANIFEST);
        if (!Files.isDirectory(ckpt) || !Files.isRegularFile(manifestFile)) {
            return ckpt + " exists but is not a checkpoint built by bench-llm (no " + MANIFEST + ")" + remedy;
        }
        ObjectNode manifest;
        try {
            manifest = (ObjectNode) JSON.readTree(manifestFile.toFile());
        } catch (IOException | ClassCastException e) {
            return "the checkpoint in " + ckpt + " is damaged: " + manifestFile + " is not a JSON object" + remedy;
        }
        // The shard size does not change the model: a checkpoint sharded otherwise is reused as it is.
        if (!shape.cliName().equals(manifest.path("shape").asText()) || manifest.path("seed").asLong() != WEIGHT_SEED) {
            return ckpt + " holds another checkpoint (shape " + manifest.path("shape").asText() + ", seed "
                    + manifest.path("seed").asLong() + ") than asked (shape " + shape.cliName() + ", seed "
                    + WEIGHT_SEED + ")" + remedy;
        }
        Path config = ckpt.resolve("config.json");
        if (!Files.isRegularFile(config) || !Files.readString(config, StandardCharsets.UTF_8)
                .equals(shape.configJson())) {
            return "the checkpoint in " + ckpt + " is damaged: " + config + " is missing or differs from the "
                    + shape.cliName() + " configuration" + remedy;
        }
        var files = manifest.path("files").fields();
        while (files.hasNext()) {
            var e = files.next();
            Path f = ckpt.resolve(e.getKey());
            long size = Files.isRegularFile(f) ? Files.size(f) : -1;
            if (size != e.getValue().asLong()) {
                return "the checkpoint in " + ckpt + " is damaged: " + f + (size < 0 ? " is missing"
                        : " has " + size + " bytes, " + e.getValue().asLong() + " when written") + remedy;
            }
        }
        return null;
    }

    /** Writes the checkpoint and, last, its manifest into an empty directory. */
    private static void build(Path dir, LlmShape shape, long maxShardBytes) throws IOException {
        List<Path> written = RandomCheckpoint.writeWithMaxShard(dir, shape.configJson(), shape.config(),
                SafetensorsDType.BF16, maxShardBytes, WEIGHT_SEED);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("shape", shape.cliName());
        manifest.put("dtype", "BF16");
        manifest.put("seed", WEIGHT_SEED);
        manifest.put("max_shard_bytes", maxShardBytes);
        ObjectNode files = manifest.putObject("files");
        List<Path> all = new ArrayList<>(written);
        if (Files.exists(dir.resolve(SafetensorsTensorSource.INDEX_FILE))) {
            all.add(dir.resolve(SafetensorsTensorSource.INDEX_FILE));
        }
        for (Path f : all) {
            files.put(f.getFileName().toString(), Files.size(f));
        }
        Files.writeString(dir.resolve(MANIFEST), JSON.writeValueAsString(manifest), StandardCharsets.UTF_8);
    }

    private static int damaged(PrintWriter err, Path ckpt, RuntimeException e) {
        err.println(JOB + ": the checkpoint in " + ckpt + " is damaged: " + e.getMessage() + "; delete " + ckpt
                + " to rebuild it, or choose another --work");
        err.flush();
        return 2;
    }

    private static String markdown(ObjectNode json) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "bench-llm %s, %s storage%s, %s threads, LoRA r %d on %s, %s (load"
                        + " average %s before, %s after)%n%n", json.get("shape").asText(), json.get("storage").asText(),
                json.get("recompute").asBoolean() ? ", layers recomputed" : "",
                json.get("threads").asText(), json.get("rank").asInt(), String.join(",",
                        JSON.convertValue(json.get("targets"), String[].class)), json.get("date").asText(),
                json.at("/machine/load_average_before").asText(), json.at("/machine/load_average_after").asText()));
        md.append(String.format(Locale.ROOT, "load: %.2f s, %.2f GB/s (%.3f GB BF16), peak RSS %.2f GB%n%n",
                json.at("/load/seconds").asDouble(), json.at("/load/gb_per_s").asDouble(),
                json.at("/checkpoint/bytes").asLong() / 1e9, json.at("/load/peak_rss_bytes").asLong() / 1e9));
        if (json.get("steps").isEmpty()) {
            return md.toString();
        }
        md.append("| batch × seq | median step (s) | with TreeLoRA hook (s) | hook overhead | tokens/s"
                + " | step peak RSS (GB) |\n| --- | --- | --- | --- | --- | --- |\n");
        for (var row : json.get("steps")) {
            boolean h = row.has("hook");
            md.append(String.format(Locale.ROOT, "| %d × %d | %.3f | %s | %s | %.1f | %.2f |%n", row.get("batch").asInt(),
                    row.get("seq").asInt(), row.get("median_s").asDouble(),
                    h ? String.format(Locale.ROOT, "%.3f", row.at("/hook/median_s").asDouble()) : "-",
                    h ? String.format(Locale.ROOT, "%+.2f %%", 100 * row.at("/hook/overhead").asDouble()) : "-",
                    row.get("tokens_per_s").asDouble(), row.get("peak_rss_bytes").asLong() / 1e9));
        }
        return md.toString();
    }

    private static Path markdownFile(Path json) {
        String name = json.getFileName().toString();
        return json.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".md");
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String seconds(List<Double> values) {
        return String.join(" ", values.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList());
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    /**
     * Random token ids from SplitMix64, a generator simple enough to repeat exactly in the Python reference
     * ({@code bench_llm_step.py}), so both sides train on the same ids and their first losses can be compared.
     */
    static final class TokenIds {
        private long state;

        TokenIds(long seed) {
            this.state = seed;
        }

        /** The next id in {@code [0, vocab)}. */
        long next(int vocab) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return Long.remainderUnsigned(z ^ (z >>> 31), vocab);
        }
    }
}
