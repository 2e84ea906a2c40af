package io.github.treelora.djl.models.llama;

import static io.github.treelora.djl.models.llama.LargeModelSupportTest.batch;
import static io.github.treelora.djl.models.llama.LargeModelSupportTest.maxAbs;
import static io.github.treelora.djl.TestArrays.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraInjector;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.djl.models.llama.LargeModelSupportTest.Result;
import io.github.treelora.io.SafetensorsDType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-layer recomputation ({@link LlamaForCausalLM#causalLmBackward} with {@code recomputeLayers}): the loss and
 * every gradient equal those of one recorded backward, with float32 and float16 storage, LoRA or every parameter
 * trainable, padding, and LoRA on the last layer only; nothing is left behind; bad uses are refused. The oracle
 * check against PEFT's gradients is in {@code PeftDoraOracleTest}.
 */
class LayerRecomputeTest {

    private static final long[][] IDS = {{4, 8, 15, 16, 23, 42, 7, 1, 9}, {0, 0, 7, 11, 13, 17, 19, 23, 29}};
    private static final long[][] MASK = {{1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1, 1}};
    private static final long[][] LABELS = {
        {-100, -100, -100, 16, 23, 42, 7, 1, 9},
        {-100, -100, -100, 11, 13, 17, -100, 23, 29},
    };

    @TempDir
    Path tmp;

    private static float step(LlamaForCausalLM model, NDManager step, GradientCollector gc, boolean recompute) {
        return model.causalLmBackward(new ParameterStore(step, false), gc, batch(step, IDS), batch(step, MASK),
                batch(step, LABELS), recompute);
    }

    /** The reference: one recorded forward and {@code gc.backward} of the loss. */
    private static Result reference(LlamaForCausalLM model, NDManager manager) {
        return LargeModelSupportTest.lossAndGradients(model, manager, step -> model.causalLmLoss(
                new ParameterStore(step, false), batch(step, IDS), batch(step, MASK), batch(step, LABELS), true));
    }

    private static void assertSameGradients(Result want, Result got, double tolerance) {
        assertEquals(want.loss(), got.loss(), tolerance * Math.abs(want.loss()), "loss");
        assertEquals(want.gradients().keySet(), got.gradients().keySet());
        for (String n : want.gradients().keySet()) {
            double scale = maxAbs(want.gradients().get(n));
            double d = maxAbsDiff(want.gradients().get(n), got.gradients().get(n));
            assertTrue(scale > 0 && d <= tolerance * scale, n + ": max |gradient diff| " + d + " of " + scale);
        }
    }

    /** Two identical models: LoRA r 2 on every projection of the layers {@code layers} (all when empty). */
    private List<LlamaForCausalLM> twoWithLora(String fixture, WeightStorage storage, NDManager manager,
            int... layers) throws IOException {
        // Stored as F16 on disk, so float16 and float32 storage hold the same values.
        Path dir = LargeModelSupportTest.write(tmp.resolve(fixture + storage), fixture,
                LargeModelSupportTest.weights(fixture), SafetensorsDType.F16);
        LoraConfig config = LoraConfig.builder().rank(2).alpha(4).layersToTransform(layers)
                .targetModules("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj").build();
        Supplier<LlamaForCausalLM> make = () -> {
            LlamaForCausalLM m = LlamaForCausalLM.fromPretrained(dir, manager, storage);
            LargeModelSupportTest.injectLora(m, config, 5);
            return m;
        };
        return List.of(make.get(), make.get());
    }

    @ParameterizedTest
    @CsvSource({"llama-gqa-llama3rope, FLOAT32", "llama-gqa-llama3rope, FLOAT16", "qwen2-bias-tied, FLOAT16"})
    void recomputedLossAndLoraGradientsEqualOneRecordedBackward(String fixture, WeightStorage storage)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<LlamaForCausalLM> models = twoWithLora(fixture, storage, manager);
            Result want = reference(models.get(0), manager);
            int arrays = manager.getManagedArrays().size();
            Result got = LargeModelSupportTest.stepGradients(models.get(1), manager,
                    (step, gc) -> step(models.get(1), step, gc, true));
            assertEquals(arrays, manager.getManagedArrays().size(), "arrays left behind by a recomputed step");
            assertEquals(28, want.gradients().size(), "A and B of 7 projections in 2 layers");
            assertSameGradients(want, got, 1e-5);
        }
    }

    @Test
    void offItIsExactlyOneRecordedBackward() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<LlamaForCausalLM> models = twoWithLora("llama-gqa-llama3rope", WeightStorage.FLOAT16, manager);
            Result want = reference(models.get(0), manager);
            Result got = LargeModelSupportTest.stepGradients(models.get(1), manager,
                    (step, gc) -> step(models.get(1), step, gc, false));
            assertEquals(want.loss(), got.loss());
            for (String n : want.gradients().keySet()) {
                assertArrayEquals(want.gradients().get(n), got.gradients().get(n), n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void everyParameterTrainableEmbeddingAndTiedHeadIncluded(String fixture) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // Freshly loaded float32 models train every parameter: the embedding's gradient comes from a
            // recomputed embedding (and, tied, from the head as well).
            LlamaForCausalLM a = LlamaGoldenTest.load(fixture, manager);
            LlamaForCausalLM b = LlamaGoldenTest.load(fixture, manager);
            Result want = reference(a, manager);
            Result got = LargeModelSupportTest.stepGradients(b, manager, (step, gc) -> step(b, step, gc, true));
            assertTrue(want.gradients().containsKey("model.embed_tokens.weight"));
            assertTrue(want.gradients().containsKey("model.layers.0.input_layernorm.weight"));
            assertSameGradients(want, got, 1e-5);
        }
    }

    @Test
    void loraOnTheLastLayerOnlyStopsBackwardThere() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<LlamaForCausalLM> models = twoWithLora("llama-gqa-llama3rope", WeightStorage.FLOAT16, manager, 1);
            Result want = reference(models.get(0), manager);
            Result got = LargeModelSupportTest.stepGradients(models.get(1), manager,
                    (step, gc) -> step(models.get(1), step, gc, true));
            assertEquals(14, want.gradients().size(), "A and B of 7 projections in layer 1");
            assertSameGradients(want, got, 1e-5);
        }
    }

    @Test
    void refusedOutsideAGradientCollector() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = twoWithLora("llama-gqa-llama3rope", WeightStorage.FLOAT32, manager).get(0);
            try (NDManager step = manager.newSubManager()) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> step(model, step, null, true));
                assertTrue(e.getMessage().contains("open GradientCollector"), e.getMessage());
            }
        }
    }

    @Test
    void refusedWithAdapterDropoutLeavingNoGradient() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = LlamaGoldenTest.load("llama-gqa-llama3rope", manager);
            model.freezeParameters(true);
            LoraInjector.inject(model, "task", LoraConfig.builder().rank(2).alpha(4).dropout(0.1)
                    .targetModules("v_proj").build());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LargeModelSupportTest.stepGradients(model, manager,
                            (step, gc) -> step(model, step, gc, true)));
            assertTrue(e.getMessage().contains("adapter 'task' of model.layers.0.self_attn.v_proj has dropout 0.1"),
                    e.getMessage());
            for (Parameter p : model.namedParameters().values()) {
                if (p.requiresGradient()) {
                    assertEquals(0, maxAbs(p.getArray().getGradient().toFloatArray()), p.getName());
                }
            }
            // Off, dropout is allowed as before.
            Result off = LargeModelSupportTest.stepGradients(model, manager,
                    (step, gc) -> step(model, step, gc, false));
            assertTrue(Float.isFinite(off.loss()));
        }
    }

    @Test
    void gradientsAccumulateOverStepsLikeOneBackward() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // Two steps without an optimizer update: the collector never zeroes, so gradients add up, as a
            // gradient-accumulation loop expects.
            LlamaForCausalLM model = LlamaGoldenTest.load("qwen2-bias-tied", manager);
            Result once = LargeModelSupportTest.stepGradients(model, manager,
                    (step, gc) -> step(model, step, gc, true));
            Result twice = LargeModelSupportTest.stepGradients(model, manager,
                    (step, gc) -> step(model, step, gc, true));
            for (Map.Entry<String, float[]> e : once.gradients().entrySet()) {
                float[] doubled = e.getValue().clone();
                for (int i = 0; i < doubled.length; i++) {
                    doubled[i] *= 2;
                }
                double d = maxAbsDiff(doubled, twice.gradients().get(e.getKey()));
                assertTrue(d <= 1e-5 * maxAbs(doubled), e.getKey() + ": " + d);
            }
        }
    }
}
