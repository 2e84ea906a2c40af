package io.github.treelora.examples.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.models.HfCheckpoint;
import io.github.treelora.djl.models.SafetensorsTensorSource;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random-weight Hugging Face checkpoint of a LLaMA-family configuration with the project's
 * {@link SafetensorsWriter}: {@code config.json} plus one {@code model.safetensors}, or shards named as transformers
 * names them ({@code model-00001-of-00004.safetensors}) with a {@code model.safetensors.index.json}. Tensor names and
 * shapes come from the model itself, so the files match it by construction. Values are computed while writing
 * (never a whole tensor on the heap, so an 8B checkpoint needs no more memory than a small one): RMS-norm weights
 * are 1, as in a freshly initialised model, every other tensor uniform with standard deviation 0.02 (Hugging Face's
 * {@code initializer_range}), reproducible from the seed.
 */
final class RandomCheckpoint {

    /** Standard deviation of the random weights. */
    static final double STD = 0.02;

    private RandomCheckpoint() {
    }

    /**
     * Writes the checkpoint into an existing directory, in shards of at most {@code maxShardBytes} as
     * transformers' {@code save_pretrained(max_shard_size=...)} does (one file when everything fits).
     *
     * @param dir the directory (existing files of the same names are replaced)
     * @param configJson the {@code config.json} text; it must describe {@code config}
     * @param config the parsed configuration, for the tensor names and shapes
     * @param dtype F32, F16 or BF16
     * @param maxShardBytes a shard is closed before a tensor would take it past this size (a larger tensor gets a
     *     shard of its own)
     * @param seed seed of the values
     * @return the weight files written, in order
     * @throws IOException if a file cannot be written
     */
    static List<Path> writeWithMaxShard(Path dir, String configJson, LlamaConfig config, SafetensorsDType dtype,
            long maxShardBytes, long seed) throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be > 0, got " + maxShardBytes);
        }
        return write(dir, configJson, shapesOf(config), dtype, maxShardBytes, Integer.MAX_VALUE, seed);
    }

    /**
     * Writes the checkpoint into an existing directory as {@code shards} files of about equal size.
     *
     * @param dir the directory (existing files of the same names are replaced)
     * @param configJson the {@code config.json} text; it must describe {@code config}
     * @param config the parsed configuration, for the tensor names and shapes
     * @param dtype F32, F16 or BF16
     * @param shards number of files; more than one writes an index
     * @param seed seed of the values
     * @return the weight files written, in order
     * @throws IOException if a file cannot be written
     */
    static List<Path> writeInShards(Path dir, String configJson, LlamaConfig config, SafetensorsDType dtype,
            int shards, long seed) throws IOException {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        }
        Map<String, long[]> shapes = shapesOf(config);
        long total = 0;
        for (long[] shape : shapes.values()) {
            total += elements(shape) * dtype.byteSize();
        }
        return write(dir, configJson, shapes, dtype, (total + shards - 1) / shards, shards, seed);
    }

    private static List<Path> write(Path dir, String configJson, Map<String, long[]> shapes, SafetensorsDType dtype,
            long maxShardBytes, int maxShards, long seed) throws IOException {
        if (!dtype.isFloatingPoint() || dtype == SafetensorsDType.F64) {
            throw new IllegalArgumentException("need F32, F16 or BF16, got " + dtype);
        }
        // Plan the shards first: their names carry the count.
        List<List<String>> shards = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long inShard = 0;
        long total = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = elements(e.getValue()) * dtype.byteSize();
            if (!current.isEmpty() && inShard + bytes > maxShardBytes && shards.size() < maxShards - 1) {
                shards.add(current);
                current = new ArrayList<>();
                inShard = 0;
            }
            current.add(e.getKey());
            inShard += bytes;
            total += bytes;
        }
        shards.add(current);
        Files.writeString(dir.resolve("config.json"), configJson, StandardCharsets.UTF_8);
        List<Path> files = new ArrayList<>();
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": " + total + "}, \"weight_map\": {");
        for (int s = 0; s < shards.size(); s++) {
            String file = shards.size() == 1 ? SafetensorsTensorSource.SINGLE_FILE
                    : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", s + 1, shards.size());
            SafetensorsWriter writer = new SafetensorsWriter().putMetadata("format", "pt");
            for (String name : shards.get(s)) {
                writer.putFloats(name, dtype, shapes.get(name), values(name, seed));
                index.append(index.charAt(index.length() - 1) == '{' ? "" : ", ")
                        .append('"').append(name).append("\": \"").append(file).append('"');
            }
            writer.write(dir.resolve(file));
            files.add(dir.resolve(file));
        }
        if (shards.size() > 1) {
            Files.writeString(dir.resolve(SafetensorsTensorSource.INDEX_FILE), index.append("}}\n").toString(),
                    StandardCharsets.UTF_8);
        }
        return files;
    }

    /** The values of one tensor: 1 for norm weights, else uniform in [-a, a) with a = STD * sqrt(3). */
    private static SafetensorsWriter.FloatChunks values(String name, long seed) {
        if (name.endsWith("norm.weight")) {
            return (from, dst, n) -> java.util.Arrays.fill(dst, 0, n, 1f);
        }
        float a = (float) (STD * Math.sqrt(3));
        SplittableRandom[] random = new SplittableRandom[1];
        return (from, dst, n) -> {
            if (from == 0) { // chunks come in order from 0, once per write
                random[0] = new SplittableRandom(seed * 1_000_003L + name.hashCode());
            }
            SplittableRandom r = random[0];
            for (int i = 0; i < n; i++) {
                dst[i] = a * (2 * (r.nextInt() >>> 8) * 0x1.0p-24f - 1);
            }
        };
    }

    /** Parameter names and shapes in the model's order, from parameters that are allocated but never written. */
    static Map<String, long[]> shapesOf(LlamaConfig config) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM shapeOnly = new LlamaForCausalLM(config);
            HfCheckpoint.prepareForLoading(shapeOnly, WeightStorage.FLOAT16); // uninitialized: address space only
            shapeOnly.initializeParameters(manager);
            for (Map.Entry<String, Parameter> e : StateDict.parameters(shapeOnly).entrySet()) {
                shapes.put(e.getKey(), e.getValue().getArray().getShape().getShape());
            }
        }
        return shapes;
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
