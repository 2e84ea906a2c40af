package io.github.treelora.djl.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.models.HfCheckpoint;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.SafetensorsTensorSource;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.models.vit.ViTModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every model family the project loads, against Hugging Face transformers itself: tiny random checkpoints made and
 * saved by transformers' {@code save_pretrained} in float32, float16 and bfloat16 (src/test/python/oracle/
 * hf_models.py), loaded through {@link HfCheckpoint#load}, must give transformers' logits and hidden states (with
 * padding masks) within float32 tolerance, and transformers' greedy tokens with the key/value cache. Both
 * config layouts (4.x {@code rope_scaling}/{@code rope_theta}, 5.x {@code rope_parameters}) load, and settings
 * the decoder does not implement are refused by name.
 */
class TransformersModelsOracleTest {

    /** Max |difference| allowed; outputs are of order 1, so this is float32 rounding over a few layers. */
    static final float TOL = 2e-4f;

    static Path generated() {
        return PythonOracle.generated("hf_models.py");
    }

    static Stream<String> comparedCases() {
        return Stream.of("llama-gqa-f32", "llama-gqa-f16", "llama-gqa-bf16", "qwen2-bias-tied-f32",
                "qwen2-bias-tied-f16", "qwen2-bias-tied-bf16", "llama-llama3rope-f32", "llama-llama3rope-v4config-f32",
                "llama-theta-bias-f32", "mistral-window8-f32", "gemma-f32", "gemma-bf16", "vit-f32", "vit-f16", "vit-bf16", "vit-classifier-f32",
                "vit-classifier-v5names-f32",
                "bert-f32", "bert-f16", "bert-bf16");
    }

    @ParameterizedTest
    @MethodSource("comparedCases")
    void outputsMatchTransformers(String name) throws IOException {
        Path dir = generated().resolve(name);
        JsonNode meta = new ObjectMapper().readTree(dir.resolve("oracle.json").toFile());
        InMemoryTensorSource expected;
        try (SafetensorsTensorSource s = SafetensorsTensorSource.openFile(dir.resolve("oracle.safetensors"))) {
            expected = InMemoryTensorSource.copyOf(s).build();
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Block model = HfCheckpoint.load(dir, manager);
            try (NDManager step = manager.newSubManager()) {
                ParameterStore ps = new ParameterStore(step, false);
                switch (meta.get("kind").asText()) {
                    case "causal_lm" -> {
                        LlamaForCausalLM lm = assertInstanceOf(LlamaForCausalLM.class, model);
                        long[][] ids = matrix(meta.get("input_ids"));
                        long[][] mask = matrix(meta.get("attention_mask"));
                        Shape s = new Shape(ids.length, ids[0].length);
                        NDArray logits = lm.logits(ps, step.create(flat(ids), s), step.create(flat(mask), s), null,
                                false);
                        compareUnpadded(name, expected.floats("logits"), logits, mask);
                        if (meta.has("greedy")) {
                            long[] prompt = longs(meta.get("prompt"));
                            long[] want = longs(meta.get("greedy"));
                            assertArrayEquals(want, lm.generate(prompt, want.length, -1, true).tokens(),
                                    name + ": greedy tokens with the KV cache");
                        }
                    }
                    case "vit", "vit_classifier" -> {
                        NDArray pixels = step.create(expected.floats("pixel_values"),
                                new Shape(expected.shape("pixel_values")));
                        NDArray out = model.forward(ps, new NDList(pixels), false).singletonOrThrow();
                        String key = meta.get("kind").asText().equals("vit") ? "last_hidden_state" : "logits";
                        assertTrue(meta.get("kind").asText().equals("vit") ? model instanceof ViTModel
                                : model instanceof ViTForImageClassification, name + ": model class");
                        compare(name, expected.floats(key), new Shape(expected.shape(key)), out);
                    }
                    case "bert" -> {
                        assertInstanceOf(BertModel.class, model);
                        long[][] ids = matrix(meta.get("input_ids"));
                        long[][] mask = matrix(meta.get("attention_mask"));
                        long[][] types = matrix(meta.get("token_type_ids"));
                        Shape s = new Shape(ids.length, ids[0].length);
                        NDArray out = model.forward(ps, new NDList(step.create(flat(ids), s),
                                step.create(flat(mask), s), step.create(flat(types), s)), false).singletonOrThrow();
                        compareUnpadded(name, expected.floats("last_hidden_state"), out, mask);
                    }
                    default -> throw new AssertionError("unknown oracle kind in " + dir);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-linear-rope:linear", "llama-yarn-rope:yarn"})
    void ropeTypesTheDecoderDoesNotImplementAreRefusedByName(String nameAndType) {
        String[] p = nameAndType.split(":");
        Path dir = generated().resolve(p[0]);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HfCheckpoint.load(dir, manager));
            assertTrue(e.getMessage().contains("rope_type '" + p[1] + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("config.json"), "names the file: " + e.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void aDecoderFamilyThatIsNotImplementedIsRefusedByName() {
        Path dir = generated().resolve("gemma2-refused");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HfCheckpoint.load(dir, manager));
            assertTrue(e.getMessage().contains("Gemma2ForCausalLM") && e.getMessage().contains("GemmaForCausalLM"),
                    "names the architecture and what is supported: " + e.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void mistralBeyondItsSlidingWindowIsRefusedNotComputedDifferently() {
        Path dir = generated().resolve("mistral-window8-f32");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = (LlamaForCausalLM) HfCheckpoint.load(dir, manager);
            NDArray ids = manager.create(new long[9], new Shape(1, 9));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lm.logits(new ParameterStore(manager, false), ids, null, null, false));
            assertTrue(e.getMessage().contains("sliding_window 8"), e.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void bothConfigLayoutsDescribeTheSameModel() throws IOException {
        Path v5 = generated().resolve("llama-llama3rope-f32");
        Path v4 = generated().resolve("llama-llama3rope-v4config-f32");
        String v5Text = Files.readString(v5.resolve("config.json"));
        String v4Text = Files.readString(v4.resolve("config.json"));
        assertTrue(v5Text.contains("rope_parameters") && !v5Text.contains("rope_scaling"), "5.x layout");
        assertTrue(v4Text.contains("rope_scaling") && !v4Text.contains("rope_parameters"), "4.x layout");
        var a = io.github.treelora.djl.models.llama.LlamaConfig.fromFile(v5.resolve("config.json"));
        var b = io.github.treelora.djl.models.llama.LlamaConfig.fromFile(v4.resolve("config.json"));
        assertEquals(a, b);
        assertEquals(500000.0, a.ropeTheta());
    }

    private static void compareUnpadded(String name, float[] want, NDArray got, long[][] mask) {
        assertEquals(want.length, got.size(), name + ": output size");
        long kept = java.util.Arrays.stream(mask).flatMapToLong(java.util.Arrays::stream).filter(v -> v == 1).count();
        long positions = (long) mask.length * mask[0].length;
        assertTrue(kept > 0 && kept < positions || allOnes(mask), name + ": padded positions exist");
        double max = maxUnpaddedDiff(got.toFloatArray(), want, mask);
        assertTrue(max < TOL, name + ": max |difference| to transformers " + max + " over " + kept + " positions");
    }

    /**
     * Max |a - b| over the positions the mask keeps (padding positions have no defined output).
     *
     * @param a outputs {@code [B, T, width]}, flattened
     * @param b outputs of the same shape
     * @param mask {@code [B, T]}, 1 for tokens
     * @return the largest difference
     */
    static double maxUnpaddedDiff(float[] a, float[] b, long[][] mask) {
        assertEquals(a.length, b.length, "output count");
        int seq = mask[0].length;
        int width = a.length / (mask.length * seq);
        double max = 0;
        for (int bt = 0; bt < mask.length * seq; bt++) {
            if (mask[bt / seq][bt % seq] == 1) {
                for (int v = 0; v < width; v++) {
                    max = Math.max(max, Math.abs(a[bt * width + v] - b[bt * width + v]));
                }
            }
        }
        return max;
    }

    private static void compare(String name, float[] want, Shape shape, NDArray got) {
        assertEquals(shape, got.getShape(), name + ": shape");
        float[] g = got.toFloatArray();
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(g[i] - want[i]));
        }
        assertTrue(max < TOL, name + ": max |difference| to transformers " + max);
    }

    private static boolean allOnes(long[][] mask) {
        return java.util.Arrays.stream(mask).flatMapToLong(java.util.Arrays::stream).allMatch(v -> v == 1);
    }

    static long[][] matrix(JsonNode node) {
        long[][] m = new long[node.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = longs(node.get(i));
        }
        return m;
    }

    static long[] longs(JsonNode node) {
        long[] v = new long[node.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = node.get(i).asLong();
        }
        return v;
    }

    static long[] flat(long[][] m) {
        return java.util.Arrays.stream(m).flatMapToLong(java.util.Arrays::stream).toArray();
    }
}
