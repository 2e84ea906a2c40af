package io.github.treelora.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.models.SafetensorsTensorSource;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-load [--gb 1.0] [--runs 3] [--dtype F32|F16|BF16] [--shards 1] [--dir DIR]}: writes a LLaMA-shaped
 * Hugging Face checkpoint of about {@code --gb} GB in {@code --dtype} (one {@code model.safetensors}, or
 * {@code --shards} files and a {@code model.safetensors.index.json}), then measures, {@code --runs} times each, and
 * prints the medians in GB/s (checkpoint bytes / time):
 * <ol>
 *   <li>{@code Files.copy} of the checkpoint files (baseline; reads and writes);</li>
 *   <li>reading the files with a {@code FileChannel} into a direct buffer (baseline; reads only);</li>
 *   <li>{@code SafetensorsFile.readFloats} of every tensor (decoding into Java arrays, not used by the loader);</li>
 *   <li>the whole {@code LlamaForCausalLM.fromPretrained} with float32 and with float16 weight storage;</li>
 *   <li>{@code StateDict.load} into an existing model (all-or-nothing: every tensor read before any is given to
 *       the model);</li>
 *   <li>the NaN/Inf check alone: the one reduction per tensor ({@code sum}) that loading runs on every tensor.</li>
 * </ol>
 * The files were just written, so they are normally in the OS page cache: these are warm-cache numbers.
 */
@Command(name = "bench-load", mixinStandardHelpOptions = true,
        description = "Measure checkpoint loading speed (GB/s) against a file-copy baseline.")
public final class LoadBenchmarkCommand implements Callable<Integer> {

    private static final int HIDDEN = 1024;
    private static final int INTERMEDIATE = 2816;
    private static final int VOCAB = 32000;
    private static final int HEADS = 16;

    @Spec
    private CommandSpec spec;

    @Option(names = "--gb", defaultValue = "1.0", paramLabel = "GB",
            description = "Approximate checkpoint size in GB (default: ${DEFAULT-VALUE}).")
    private double gigabytes;

    @Option(names = "--runs", defaultValue = "3", paramLabel = "N",
            description = "Repetitions of each measurement; medians are reported (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Option(names = "--dtype", defaultValue = "F32", paramLabel = "TYPE",
            description = "Element type of the checkpoint: F32, F16 or BF16 (default: ${DEFAULT-VALUE}).")
    private SafetensorsDType dtype;

    @Option(names = "--shards", defaultValue = "1", paramLabel = "N",
            description = "Number of shard files; more than 1 writes an index (default: ${DEFAULT-VALUE}).")
    private int shards;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Directory for the checkpoint (default: a new temporary directory, deleted afterwards).")
    private Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!(gigabytes > 0) || runs < 1 || shards < 1
                || !List.of(SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16).contains(dtype)) {
            spec.commandLine().getErr().println(
                    "bench-load: need --gb > 0, --runs >= 1, --shards >= 1 and --dtype F32, F16 or BF16");
            return 2;
        }
        boolean temporary = dir == null;
        Path root = temporary ? Files.createTempDirectory("bench-load") : Files.createDirectories(dir);
        try {
            LlamaConfig config = configFor(gigabytes, dtype.byteSize());
            long t0 = System.nanoTime();
            Path ckpt = writeCheckpoint(root.resolve("checkpoint"), config, dtype, shards);
            List<Path> files;
            try (SafetensorsTensorSource source = SafetensorsTensorSource.open(ckpt)) {
                files = source.files();
            }
            long bytes = 0;
            for (Path f : files) {
                bytes += Files.size(f);
            }
            out.printf(Locale.ROOT, "checkpoint: %s, %s in %d file(s), %d layers, hidden %d, %.3f GB (%d bytes),"
                    + " written in %.1f s%n", ckpt, dtype, files.size(), config.numHiddenLayers(), HIDDEN,
                    bytes / 1e9, bytes, (System.nanoTime() - t0) / 1e9);
            out.printf(Locale.ROOT, "machine: %d cores, max heap %.1f GB, %s %s, %s%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / 1e9,
                    System.getProperty("java.vm.name"), System.getProperty("java.version"),
                    System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            out.flush();

            Map<String, List<Double>> seconds = new LinkedHashMap<>();
            Path copy = root.resolve("copy.safetensors");
            for (int r = 0; r < runs; r++) {
                time(seconds, "Files.copy (baseline)", () -> {
                    for (Path f : files) {
                        Files.copy(f, copy);
                        Files.delete(copy);
                    }
                    return null;
                });
                time(seconds, "FileChannel -> direct buffer (baseline)", () -> {
                    for (Path f : files) {
                        channelRead(f);
                    }
                    return null;
                });
                time(seconds, "SafetensorsFile.readFloats, all tensors", () -> {
                    for (Path f : files) {
                        readAll(f);
                    }
                    return null;
                });
                for (WeightStorage storage : WeightStorage.values()) {
                    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                        time(seconds, "fromPretrained, " + storage.name().toLowerCase(Locale.ROOT) + " storage",
                                () -> LlamaForCausalLM.fromPretrained(ckpt, manager, storage));
                    }
                }
                try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                    LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(ckpt, manager);
                    time(seconds, "StateDict.load into a loaded model (staged)", () -> {
                        try (SafetensorsTensorSource source = SafetensorsTensorSource.open(ckpt)) {
                            model.loadWeights(source);
                        }
                        return null;
                    });
                    time(seconds, "  part: NaN/Inf check (one sum per tensor)", () -> {
                        double total = 0;
                        for (Parameter p : StateDict.parameters(model).values()) {
                            try (NDArray sum = p.getArray().sum()) {
                                total += sum.toType(DataType.FLOAT64, false).getDouble();
                            }
                        }
                        return total;
                    });
                }
            }
            out.printf(Locale.ROOT, "%-46s %10s %8s %8s   (runs: seconds)%n", "measurement (median of " + runs + ")",
                    "seconds", "GB/s", "CPU s");
            for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
                if (e.getKey().startsWith(CPU)) {
                    continue;
                }
                double median = median(e.getValue());
                out.printf(Locale.ROOT, "%-46s %10.3f %8.2f %8.3f   %s%n", e.getKey(), median, bytes / 1e9 / median,
                        median(seconds.get(CPU + e.getKey())),
                        e.getValue().stream().map(s -> String.format(Locale.ROOT, "%.3f", s)).toList());
            }
            out.println("seconds: wall-clock; CPU s: process CPU time (all threads), less sensitive to other load");
            return 0;
        } finally {
            if (temporary) {
                deleteTree(root);
            }
        }
    }

    /** A plain LLaMA with HIDDEN width whose layer count brings the checkpoint closest to {@code gb}. */
    static LlamaConfig configFor(double gb, int bytesPerValue) {
        long fixed = 2L * VOCAB * HIDDEN + HIDDEN; // embedding, untied head, final norm
        long perLayer = 4L * HIDDEN * HIDDEN + 3L * HIDDEN * INTERMEDIATE + 2L * HIDDEN;
        int layers = (int) Math.max(1, Math.round((gb * 1e9 / bytesPerValue - fixed) / perLayer));
        return LlamaConfig.llama(VOCAB, HIDDEN, INTERMEDIATE, layers, HEADS, HEADS, 2048);
    }

    /** Writes config.json and pseudo-random weights ({@link RandomCheckpoint}) in {@code shards} equal files. */
    private static Path writeCheckpoint(Path dir, LlamaConfig config, SafetensorsDType dtype, int shards)
            throws IOException {
        Files.createDirectories(dir);
        String json = String.format(Locale.ROOT,
                "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": %d, "
                        + "\"hidden_size\": %d, \"intermediate_size\": %d, \"num_hidden_layers\": %d, "
                        + "\"num_attention_heads\": %d, \"num_key_value_heads\": %d, \"max_position_embeddings\": %d, "
                        + "\"rms_norm_eps\": 1e-6, \"tie_word_embeddings\": false, \"torch_dtype\": \"float32\"}",
                config.vocabSize(), config.hiddenSize(), config.intermediateSize(), config.numHiddenLayers(),
                config.numAttentionHeads(), config.numKeyValueHeads(), config.maxPositionEmbeddings());
        RandomCheckpoint.writeInShards(dir, json, config, dtype, shards, 42);
        return dir;
    }

    private static Object channelRead(Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 << 20);
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int n;
            while ((n = ch.read(buffer)) >= 0) {
                total += n;
                buffer.clear();
            }
        }
        return total;
    }

    private static Object readAll(Path file) throws IOException {
        double checksum = 0;
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            for (String name : sf.names()) {
                float[] v = sf.readFloats(name);
                checksum += v[v.length - 1]; // keeps the read observable
            }
        }
        return checksum;
    }

    @FunctionalInterface
    private interface Step {
        Object run() throws IOException;
    }

    /** Process CPU time (all threads, the engine's included), robust to other load on a shared machine. */
    static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private static void time(Map<String, List<Double>> seconds, String name, Step step) throws IOException {
        System.gc(); // start each step without garbage from the previous one
        long cpu = OS.getProcessCpuTime();
        long t = System.nanoTime();
        step.run();
        seconds.computeIfAbsent(name, k -> new ArrayList<>()).add((System.nanoTime() - t) / 1e9);
        seconds.computeIfAbsent(CPU + name, k -> new ArrayList<>()).add((OS.getProcessCpuTime() - cpu) / 1e9);
    }

    private static final String CPU = "cpu:";

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.naturalOrder());
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
