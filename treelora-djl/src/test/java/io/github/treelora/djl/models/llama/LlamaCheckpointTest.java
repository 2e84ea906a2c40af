package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.TestArrays;
import io.github.treelora.djl.models.HfCheckpoint;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.SafetensorsTensorSource;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * Hugging Face checkpoint directories (config.json + model.safetensors or a sharded index), written with
 * SafetensorsWriter from the F32 fixture, load through {@link LlamaForCausalLM#fromPretrained} and reproduce the
 * float64 PyTorch reference logits; every kind of broken checkpoint is rejected naming the key and the file.
 */
class LlamaCheckpointTest {

    private static final String FIXTURE = "llama-gqa-llama3rope";
    private static final long[] IDS = {18, 16, 86, 51, 6, 83, 58, 70, 64}; // reference case "single"

    @TempDir
    Path tmp;

    private static InMemoryTensorSource fixtureWeights() {
        return FixtureFiles.safetensors(FixtureFiles.dir(FIXTURE).resolve("model.safetensors"));
    }

    private static float[] referenceLogits() {
        return FixtureFiles.safetensors(FixtureFiles.dir(FIXTURE).resolve("reference.safetensors"))
                .floats("single.logits");
    }

    /**
     * Writes {@code weights} as a Hugging Face checkpoint: config.json plus one model.safetensors
     * ({@code shards == 1}) or {@code shards} files named like transformers' and an index.
     */
    static Path write(Path dir, InMemoryTensorSource weights, SafetensorsDType dtype, int shards) throws IOException {
        Files.createDirectories(dir);
        Files.copy(FixtureFiles.dir(FIXTURE).resolve("config.json"), dir.resolve("config.json"));
        List<SafetensorsWriter> writers = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            writers.add(new SafetensorsWriter().putMetadata("format", "pt"));
        }
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
        int i = 0;
        for (Map.Entry<String, io.github.treelora.djl.models.HostTensor> e : weights.tensors().entrySet()) {
            int shard = i++ % shards;
            writers.get(shard).putFloats(e.getKey(), dtype, e.getValue().shape(), e.getValue().data());
            index.append(i > 1 ? ", " : "").append('"').append(e.getKey()).append("\": \"")
                    .append(shardName(shard, shards)).append('"');
        }
        if (shards == 1) {
            writers.get(0).write(dir.resolve("model.safetensors"));
        } else {
            for (int s = 0; s < shards; s++) {
                writers.get(s).write(dir.resolve(shardName(s, shards)));
            }
            Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
        }
        return dir;
    }

    static String shardName(int shard, int shards) {
        return String.format("model-%05d-of-%05d.safetensors", shard + 1, shards);
    }

    private static float[] logits(LlamaForCausalLM model, NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            return model.logits(new ParameterStore(step, false), step.create(IDS, new Shape(1, IDS.length)), null,
                    null, false).toFloatArray();
        }
    }

    /** Round to bfloat16, nearest-even (independent of the project's HalfFloats): keep the top 16 bits. */
    private static float roundToBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    @ParameterizedTest
    @CsvSource({"F32, 1, 1e-4", "F32, 2, 1e-4", "F16, 1, 5e-3", "F16, 2, 5e-3", "BF16, 1, 5e-2", "BF16, 2, 5e-2"})
    void checkpointReproducesReferenceLogits(SafetensorsDType dtype, int shards, double tolerance) throws IOException {
        Path dir = write(tmp.resolve(dtype + "-" + shards), fixtureWeights(), dtype, shards);
        assertEquals(shards > 1, Files.exists(dir.resolve("model.safetensors.index.json")));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Block loaded = HfCheckpoint.load(dir, manager);
            assertTrue(loaded instanceof LlamaForCausalLM, "config.json architectures selects the decoder");
            double diff = TestArrays.maxAbsDiff(referenceLogits(), logits((LlamaForCausalLM) loaded, manager));
            LoggerFactory.getLogger(LlamaCheckpointTest.class).info("{} in {} file(s): max |logit diff| {}", dtype,
                    shards, diff);
            assertTrue(diff < tolerance, dtype + ": max |logit diff| " + diff + " >= " + tolerance);
        }
    }

    @Test
    void bf16WeightsAreWidenedExactly() throws IOException {
        InMemoryTensorSource weights = fixtureWeights();
        InMemoryTensorSource.Builder rounded = InMemoryTensorSource.builder();
        for (String n : weights.names()) {
            float[] v = weights.floats(n);
            for (int i = 0; i < v.length; i++) {
                v[i] = roundToBf16(v[i]);
            }
            rounded.put(n, weights.shape(n), v);
        }
        InMemoryTensorSource expected = rounded.build();
        Path dir = write(tmp.resolve("bf16"), weights, SafetensorsDType.BF16, 2);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(dir, manager);
            InMemoryTensorSource got = model.stateDict();
            for (String n : expected.names()) {
                assertArrayEquals(expected.floats(n), got.floats(n), 0f, n);
            }
        }
    }

    /** A broken checkpoint must fail with every expected fragment in the message and leave nothing allocated. */
    private void assertRejected(Consumer<Path> breakIt, String... fragments) throws IOException {
        Path dir = write(tmp.resolve("bad"), fixtureWeights(), SafetensorsDType.F32, 2);
        breakIt.accept(dir);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LlamaForCausalLM.fromPretrained(dir, manager));
            for (String f : fragments) {
                assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' lacks '" + f + "'");
            }
            assertEquals(List.of(), manager.getManagedArrays(), "a failed load must close its parameters");
        }
    }

    /** Rewrites shard {@code shard} of the checkpoint with {@code edit} applied to its tensors. */
    private static Consumer<Path> editShard(int shard, Consumer<SafetensorsWriter> edit, String... drop) {
        return dir -> {
            Path file = dir.resolve(shardName(shard, 2));
            try {
                InMemoryTensorSource tensors = FixtureFiles.safetensors(file);
                SafetensorsWriter w = new SafetensorsWriter();
                for (String n : tensors.names()) {
                    if (!List.of(drop).contains(n)) {
                        w.putFloats(n, tensors.shape(n), tensors.floats(n));
                    }
                }
                edit.accept(w);
                w.write(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    private static Consumer<Path> rewriteIndex(String from, String to) {
        return dir -> {
            Path index = dir.resolve("model.safetensors.index.json");
            try {
                Files.writeString(index, Files.readString(index).replace(from, to));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    private static String shardHolding(String key) {
        int i = new ArrayList<>(fixtureWeights().names()).indexOf(key);
        return shardName(i % 2, 2);
    }

    @Test
    void missingKey() throws IOException {
        String key = "model.norm.weight";
        String shard = shardHolding(key);
        assertRejected(editShard(Integer.parseInt(shard.substring(6, 11)) - 1, w -> { }, key)
                .andThen(rewriteIndex("\"" + key + "\": \"" + shard + "\", ", "")
                        .andThen(rewriteIndex(", \"" + key + "\": \"" + shard + "\"", ""))),
                "missing keys", key, "model.safetensors.index.json");
    }

    @Test
    void unexpectedKey() throws IOException {
        String key = "model.layers.7.mlp.up_proj.weight";
        assertRejected(editShard(1, w -> w.putFloats(key, new long[] {2}, new float[] {1, 2}))
                        .andThen(rewriteIndex("\"weight_map\": {", "\"weight_map\": {\"" + key + "\": \""
                                + shardName(1, 2) + "\", ")),
                "unexpected keys", key, shardName(1, 2));
    }

    @Test
    void shapeMismatch() throws IOException {
        String key = "model.layers.0.self_attn.k_proj.weight";
        String shard = shardHolding(key);
        assertRejected(editShard(Integer.parseInt(shard.substring(6, 11)) - 1,
                        w -> w.putFloats(key, new long[] {48, 32}, new float[48 * 32]), key),
                "shape mismatches", key, "[32, 48]", "[48, 32]", shard);
    }

    @Test
    void integerTensorWhereAWeightIsExpected() throws IOException {
        String key = "model.norm.weight";
        String shard = shardHolding(key);
        assertRejected(editShard(Integer.parseInt(shard.substring(6, 11)) - 1,
                        w -> w.putLongs(key, new long[] {48}, new long[48]), key),
                "dtype mismatches", key, "I64", shard);
    }

    @Test
    void truncatedShard() throws IOException {
        assertRejected(dir -> {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(shardName(1, 2)).toFile(), "rw")) {
                f.setLength(f.length() - 100);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "malformed safetensors file", shardName(1, 2));
    }

    @Test
    void corruptedHeader() throws IOException {
        assertRejected(dir -> {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(shardName(0, 2)).toFile(), "rw")) {
                f.seek(8);
                f.write("!!not json".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "malformed safetensors file", shardName(0, 2));
    }

    @Test
    void shardNamedInIndexButAbsent() throws IOException {
        assertRejected(dir -> {
            try {
                Files.delete(dir.resolve(shardName(1, 2)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, shardName(1, 2), "does not exist", "model.safetensors.index.json", "for key '");
    }

    @Test
    void indexNamesKeyAbsentFromItsShard() throws IOException {
        String key = "model.norm.weight";
        String shard = shardHolding(key);
        String other = shard.equals(shardName(0, 2)) ? shardName(1, 2) : shardName(0, 2);
        assertRejected(rewriteIndex("\"" + key + "\": \"" + shard + "\"", "\"" + key + "\": \"" + other + "\""),
                key, other, "does not contain it");
    }

    @Test
    void sourceReportsStoredDtypesAndShardLocations() throws IOException {
        Path dir = write(tmp.resolve("bf16-src"), fixtureWeights(), SafetensorsDType.BF16, 2);
        try (SafetensorsTensorSource source = SafetensorsTensorSource.open(dir)) {
            assertEquals(fixtureWeights().names(), source.names(), "all keys, in index order");
            assertEquals("BF16", source.dtype("model.norm.weight"));
            assertTrue(source.location("model.norm.weight").endsWith(shardHolding("model.norm.weight")));
            assertEquals(2, source.files().size());
        }
    }
}
