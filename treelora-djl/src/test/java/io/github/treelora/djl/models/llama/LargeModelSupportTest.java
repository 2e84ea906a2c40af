package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.TestArrays;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraInjector;
import io.github.treelora.djl.loss.CausalLmLoss;
import io.github.treelora.djl.models.HostTensor;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real-size model support on tiny LLaMA checkpoints: float16 weight storage against float32, BF16 conversion, the
 * float16 range rule, NaN/Inf refusal, a corrupted index, and the lean causal-LM loss against the full one.
 */
class LargeModelSupportTest {

    private static final long[][] IDS = {{4, 8, 15, 16, 23, 42, 7, 1, 9}, {3, 5, 7, 11, 13, 17, 19, 23, 29}};
    private static final long[][] LABELS = {
        {-100, -100, -100, 16, 23, 42, 7, 1, 9},
        {-100, 5, 7, 11, -100, 17, 19, 23, -100},
    };

    @TempDir
    Path tmp;

    static InMemoryTensorSource weights(String fixture) {
        return FixtureFiles.safetensors(FixtureFiles.dir(fixture).resolve("model.safetensors"));
    }

    /** config.json of {@code fixture} plus one model.safetensors holding {@code tensors} stored as {@code dtype}. */
    static Path write(Path dir, String fixture, InMemoryTensorSource tensors, SafetensorsDType dtype)
            throws IOException {
        Files.createDirectories(dir);
        Files.copy(FixtureFiles.dir(fixture).resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, HostTensor> e : tensors.tensors().entrySet()) {
            w.putFloats(e.getKey(), dtype, e.getValue().shape(), e.getValue().data());
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    /** A copy of {@code source} with {@code edit} applied to tensor {@code name}'s values. */
    private static InMemoryTensorSource edited(InMemoryTensorSource source, String name,
            java.util.function.Consumer<float[]> edit) {
        InMemoryTensorSource.Builder b = InMemoryTensorSource.builder();
        for (String n : source.names()) {
            float[] v = source.floats(n).clone();
            if (n.equals(name)) {
                edit.accept(v);
            }
            b.put(n, source.shape(n), v);
        }
        return b.build();
    }

    static NDArray batch(NDManager m, long[][] rows) {
        return m.create(FixtureFiles.flatten(rows), new Shape(rows.length, rows[0].length));
    }

    static double maxAbs(float[] a) {
        double max = 0;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** Loss and the gradients of every trainable parameter after one backward of {@code loss(model, step)}. */
    record Result(float loss, Map<String, float[]> gradients) {}

    static Result lossAndGradients(LlamaForCausalLM model, NDManager manager,
            Function<NDManager, NDArray> loss) {
        return stepGradients(model, manager, (step, gc) -> {
            NDArray l = loss.apply(step);
            gc.backward(l);
            return l.getFloat();
        });
    }

    /** Loss and gradients after {@code step}, which runs the forward and backward passes and returns the loss. */
    static Result stepGradients(LlamaForCausalLM model, NDManager manager,
            BiFunction<NDManager, GradientCollector, Float> step) {
        try (NDManager sm = manager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            float loss = step.apply(sm, gc);
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : StateDict.parameters(model).entrySet()) {
                if (e.getValue().requiresGradient()) {
                    try (NDArray g = e.getValue().getArray().getGradient()) {
                        grads.put(e.getKey(), g.toFloatArray());
                    }
                }
            }
            return new Result(loss, grads);
        }
    }

    private static NDArray fullLoss(LlamaForCausalLM model, NDManager step) {
        NDArray logits = model.logits(new ParameterStore(step, false), batch(step, IDS), null, null, true);
        return CausalLmLoss.compute(logits, batch(step, LABELS));
    }

    static void injectLora(LlamaForCausalLM model, long seed) {
        injectLora(model, LoraConfig.builder().rank(2).alpha(4).targetModules("q_proj", "v_proj").build(), seed);
    }

    /** Injects adapter "task" with {@code config} and sets every A and B to seeded normal(0, 0.1) values. */
    static void injectLora(LlamaForCausalLM model, LoraConfig config, long seed) {
        LoraInjector.inject(model, "task", config);
        Random random = new Random(seed);
        for (Map.Entry<String, Parameter> e : StateDict.parameters(model).entrySet()) {
            if (e.getKey().contains("lora_")) {
                NDArray a = e.getValue().getArray();
                float[] v = new float[Math.toIntExact(a.size())];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextGaussian() * 0.1); // B != 0, so every adapter has gradients
                }
                a.set(v);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void float16StorageGivesTheFloat32LogitsAndLoraGradients(String fixture) throws IOException {
        // Stored as F16 on disk, so both storage types hold the same values and only the arithmetic can differ.
        Path dir = write(tmp.resolve(fixture), fixture, weights(fixture), SafetensorsDType.F16);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM f32 = LlamaForCausalLM.fromPretrained(dir, manager, WeightStorage.FLOAT32);
            LlamaForCausalLM f16 = LlamaForCausalLM.fromPretrained(dir, manager, WeightStorage.FLOAT16);
            Map<String, Parameter> p16 = f16.namedParameters();
            assertEquals(DataType.FLOAT16, p16.get("model.layers.0.self_attn.q_proj.weight").getArray().getDataType());
            assertEquals(DataType.FLOAT16, p16.get("model.embed_tokens.weight").getArray().getDataType());
            assertEquals(DataType.FLOAT32, p16.get("model.norm.weight").getArray().getDataType());
            assertTrue(!p16.get("model.layers.0.mlp.up_proj.weight").requiresGradient(), "float16 weights are frozen");

            float[] logits32;
            float[] logits16;
            try (NDManager step = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(step, false);
                logits32 = f32.logits(ps, batch(step, IDS), null, null, false).toFloatArray();
                NDArray l16 = f16.logits(ps, batch(step, IDS), null, null, false);
                assertEquals(DataType.FLOAT32, l16.getDataType());
                logits16 = l16.toFloatArray();
            }
            double diff = TestArrays.maxAbsDiff(logits32, logits16);
            assertTrue(diff < 1e-5 * Math.max(1, maxAbs(logits32)), fixture + ": max |logit diff| " + diff);

            injectLora(f32, 7);
            injectLora(f16, 7);
            assertEquals(DataType.FLOAT32, f16.namedParameters()
                    .get("model.layers.1.self_attn.v_proj.lora_A.task.weight").getArray().getDataType());
            Result r32 = lossAndGradients(f32, manager, step -> fullLoss(f32, step));
            Result r16 = lossAndGradients(f16, manager, step -> fullLoss(f16, step));
            assertEquals(r32.loss(), r16.loss(), 1e-5 * Math.abs(r32.loss()));
            assertEquals(r32.gradients().keySet(), r16.gradients().keySet());
            assertEquals(8, r32.gradients().size(), "A and B of q_proj and v_proj in two layers");
            for (String n : r32.gradients().keySet()) {
                float[] g32 = r32.gradients().get(n);
                double scale = maxAbs(g32);
                assertTrue(scale > 0, n + " has a gradient");
                double d = TestArrays.maxAbsDiff(g32, r16.gradients().get(n));
                assertTrue(d <= 1e-4 * scale, n + ": max |gradient diff| " + d + " against max " + scale);
            }
        }
    }

    @Test
    void bf16CheckpointLoadsIntoFloat16AndFloat32Storage() throws IOException {
        String fixture = "llama-gqa-llama3rope";
        Path dir = write(tmp.resolve("bf16"), fixture, weights(fixture), SafetensorsDType.BF16);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM f32 = LlamaForCausalLM.fromPretrained(dir, manager, WeightStorage.FLOAT32);
            LlamaForCausalLM f16 = LlamaForCausalLM.fromPretrained(dir, manager, WeightStorage.FLOAT16);
            InMemoryTensorSource a = f32.stateDict();
            InMemoryTensorSource b = f16.stateDict();
            String matrix = "model.layers.1.mlp.down_proj.weight";
            assertEquals(DataType.FLOAT16, f16.namedParameters().get(matrix).getArray().getDataType());
            for (String n : a.names()) {
                float[] x = a.floats(n);
                float[] y = b.floats(n);
                for (int i = 0; i < x.length; i++) {
                    // BF16's 8 significant bits fit float16's 11: exact down to float16's smallest normal, 2^-14;
                    // below it float16 subnormals are multiples of 2^-24.
                    assertEquals(x[i], y[i], Math.abs(x[i]) >= 0x1p-14f ? 0f : 0x1p-25f, n + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void bf16ValueBeyondFloat16RangeIsAnErrorNamingTheTensor() throws IOException {
        String fixture = "llama-gqa-llama3rope";
        String key = "model.layers.0.self_attn.o_proj.weight";
        Path dir = write(tmp.resolve("big"), fixture, edited(weights(fixture), key, v -> v[5] = 1.0e5f),
                SafetensorsDType.BF16);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LlamaForCausalLM.fromPretrained(dir, manager, WeightStorage.FLOAT16));
            assertTrue(e.getMessage().contains(key), e.getMessage());
            assertTrue(e.getMessage().contains(dir.resolve("model.safetensors").toString()), e.getMessage());
            assertTrue(e.getMessage().contains("beyond the range of float16"), e.getMessage());
            assertEquals(List.of(), manager.getManagedArrays(), "a failed load must close its parameters");
            // The same checkpoint loads with float32 storage, the value kept (BF16 rounds 100000 to 99840).
            LlamaForCausalLM f32 = LlamaForCausalLM.fromPretrained(dir, manager, WeightStorage.FLOAT32);
            assertEquals(99840f, f32.stateDict().floats(key)[5]);
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY})
    void nonFiniteValueIsRefusedNamingFileAndTensor(float bad) throws IOException {
        String key = "model.layers.1.mlp.gate_proj.weight";
        InMemoryTensorSource broken = edited(weights("llama-gqa-llama3rope"), key, v -> v[v.length - 1] = bad);
        Path dir = LlamaCheckpointTest.write(tmp.resolve("nan"), broken, SafetensorsDType.F32, 2);
        String shard = new java.util.ArrayList<>(broken.names()).indexOf(key) % 2 == 0
                ? LlamaCheckpointTest.shardName(0, 2) : LlamaCheckpointTest.shardName(1, 2);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LlamaForCausalLM.fromPretrained(dir, manager));
            assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
            assertTrue(e.getMessage().contains(dir.resolve(shard).toString()), e.getMessage());
            assertTrue(e.getMessage().contains(Float.isNaN(bad) ? "NaN" : "infinite"), e.getMessage());
            long index = broken.shape(key)[0] * broken.shape(key)[1] - 1;
            assertTrue(e.getMessage().contains("element " + index), e.getMessage());
            assertEquals(List.of(), manager.getManagedArrays(), "a failed load must close its parameters");

            // Loading into an existing model is all-or-nothing: it stays as it was.
            LlamaForCausalLM model = LlamaForCausalLM.fromPretrained(
                    LlamaCheckpointTest.write(tmp.resolve("good"), weights("llama-gqa-llama3rope"),
                            SafetensorsDType.F32, 1), manager);
            float[] before = model.stateDict().floats(key);
            try (io.github.treelora.djl.models.SafetensorsTensorSource source =
                    io.github.treelora.djl.models.SafetensorsTensorSource.open(dir)) {
                assertThrows(IllegalArgumentException.class, () -> model.loadWeights(source));
            }
            assertArrayEquals(before, model.stateDict().floats(key));
        }
    }

    @Test
    void corruptedIndexIsRefusedNamingTheFile() throws IOException {
        Path dir = LlamaCheckpointTest.write(tmp.resolve("idx"), weights("llama-gqa-llama3rope"),
                SafetensorsDType.F32, 2);
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, Files.readString(index).substring(0, 40));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LlamaForCausalLM.fromPretrained(dir, manager, WeightStorage.FLOAT16));
            assertTrue(e.getMessage().contains(index.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("malformed index JSON"), e.getMessage());
            assertEquals(List.of(), manager.getManagedArrays(), "nothing allocated");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void leanLossEqualsTheFullLossAndGradients(String fixture) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM reference = LlamaGoldenTest.load(fixture, manager);
            LlamaForCausalLM lean = LlamaGoldenTest.load(fixture, manager);
            injectLora(reference, 3);
            injectLora(lean, 3);
            Result full = lossAndGradients(reference, manager, step -> fullLoss(reference, step));
            Result chunked = lossAndGradients(lean, manager, step -> lean.causalLmLoss(
                    new ParameterStore(step, false), batch(step, IDS), null, batch(step, LABELS), true));
            // The loss must leave the model intact (a second pass gives the same value) and leave nothing behind
            // outside the step's manager (native memory per step stays flat).
            int arrays = manager.getManagedArrays().size();
            Result again = lossAndGradients(lean, manager, step -> lean.causalLmLoss(
                    new ParameterStore(step, false), batch(step, IDS), null, batch(step, LABELS), true));
            assertEquals(chunked.loss(), again.loss());
            assertEquals(arrays, manager.getManagedArrays().size(), "arrays left behind by a step");
            assertEquals(full.loss(), chunked.loss(), 1e-6 * Math.abs(full.loss()));
            assertEquals(full.gradients().keySet(), chunked.gradients().keySet());
            for (String n : full.gradients().keySet()) {
                double scale = maxAbs(full.gradients().get(n));
                double d = TestArrays.maxAbsDiff(full.gradients().get(n), chunked.gradients().get(n));
                assertTrue(scale > 0 && d <= 1e-5 * scale, n + ": max |gradient diff| " + d + " of " + scale);
            }
        }
    }

    @Test
    void targetOnlyLossWithATrainableHeadEqualsTheFullLoss() {
        String fixture = "llama-gqa-llama3rope";
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // Freshly loaded: every parameter is trainable, the head included, so the target-only path runs.
            LlamaForCausalLM reference = LlamaGoldenTest.load(fixture, manager);
            LlamaForCausalLM lean = LlamaGoldenTest.load(fixture, manager);
            Result full = lossAndGradients(reference, manager, step -> fullLoss(reference, step));
            Result targetOnly = lossAndGradients(lean, manager, step -> lean.causalLmLoss(
                    new ParameterStore(step, false), batch(step, IDS), null, batch(step, LABELS), true));
            assertEquals(full.loss(), targetOnly.loss(), 1e-6 * Math.abs(full.loss()));
            assertTrue(full.gradients().containsKey("lm_head.weight"));
            for (String n : full.gradients().keySet()) {
                double scale = maxAbs(full.gradients().get(n));
                double d = TestArrays.maxAbsDiff(full.gradients().get(n), targetOnly.gradients().get(n));
                assertTrue(d <= 1e-5 * Math.max(scale, 1e-6), n + ": max |gradient diff| " + d + " of " + scale);
            }
        }
    }
}
