package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.models.InMemoryTensorSource;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Loading by Hugging Face name validates everything first and leaves the model unchanged on error. */
class LlamaWeightsTest {

    private static final String LLAMA = "llama-gqa-llama3rope";
    private static final String QWEN = "qwen2-bias-tied";

    private static InMemoryTensorSource checkpoint(String fixture) {
        return FixtureFiles.safetensors(FixtureFiles.dir(fixture).resolve("model.safetensors"));
    }

    /** Builds a model, applies a broken checkpoint and checks the error and that no weight changed. */
    private static void assertRejected(String fixture, UnaryOperator<InMemoryTensorSource.Builder> edit,
            String... messageParts) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = LlamaGoldenTest.load(fixture, manager);
            InMemoryTensorSource before = model.stateDict();
            InMemoryTensorSource bad = edit.apply(InMemoryTensorSource.copyOf(checkpoint(fixture))).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.loadWeights(bad));
            for (String part : messageParts) {
                assertTrue(e.getMessage().contains(part), e.getMessage() + " lacks " + part);
            }
            InMemoryTensorSource after = model.stateDict();
            assertEquals(before.names(), after.names());
            for (String n : before.names()) {
                assertArrayEquals(before.floats(n), after.floats(n), 0f, n + " changed");
            }
        }
    }

    /** A checkpoint whose every value is scaled: loading it would change the model if assignment began. */
    private static InMemoryTensorSource.Builder scaled(InMemoryTensorSource.Builder b, InMemoryTensorSource src) {
        for (String n : src.names()) {
            float[] v = src.floats(n);
            for (int i = 0; i < v.length; i++) {
                v[i] *= 2;
            }
            b.put(n, src.shape(n), v);
        }
        return b;
    }

    @Test
    void missingKeyIsRejected() {
        assertRejected(LLAMA, b -> scaled(b, checkpoint(LLAMA)).remove("model.layers.1.mlp.up_proj.weight"),
                "lacks", "model.layers.1.mlp.up_proj.weight");
    }

    @Test
    void unexpectedKeyIsRejected() {
        assertRejected(LLAMA, b -> scaled(b, checkpoint(LLAMA)).put("model.layers.2.mlp.up_proj.weight",
                new long[] {2}, new float[] {1, 2}), "unexpected", "model.layers.2.mlp.up_proj.weight");
    }

    @Test
    void shapeMismatchIsRejected() {
        assertRejected(LLAMA, b -> scaled(b, checkpoint(LLAMA)).put("model.layers.0.self_attn.k_proj.weight",
                new long[] {48, 32}, new float[48 * 32]), "model.layers.0.self_attn.k_proj.weight", "[32, 48]",
                "[48, 32]");
    }

    @Test
    void tiedHeadDifferentFromEmbeddingIsRejected() {
        assertRejected(QWEN, b -> scaled(b, checkpoint(QWEN)).put("lm_head.weight", new long[] {80, 32},
                new float[80 * 32]), "lm_head.weight", "tie_word_embeddings");
    }

    @Test
    void acceptedExtrasAndRoundTrip() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = new LlamaForCausalLM(
                    LlamaConfig.fromFile(FixtureFiles.dir(QWEN).resolve("config.json")));
            model.initializeParameters(manager);
            InMemoryTensorSource ckpt = checkpoint(QWEN);
            // A tied head saved explicitly (equal to the embedding) and an old rotary buffer are accepted.
            model.loadWeights(InMemoryTensorSource.copyOf(ckpt)
                    .put("lm_head.weight", ckpt.shape("model.embed_tokens.weight"),
                            ckpt.floats("model.embed_tokens.weight"))
                    .put("model.layers.0.self_attn.rotary_emb.inv_freq", new long[] {4}, new float[4])
                    .build());
            InMemoryTensorSource back = model.stateDict();
            assertEquals(ckpt.names(), back.names());
            for (String n : ckpt.names()) {
                assertArrayEquals(ckpt.shape(n), back.shape(n), n);
                assertArrayEquals(ckpt.floats(n), back.floats(n), 0f, n);
            }
            Map<String, ?> params = model.namedParameters();
            assertTrue(params.containsKey("model.layers.1.self_attn.q_proj.bias"));
            assertTrue(!params.containsKey("model.layers.1.self_attn.o_proj.bias"), "qwen2 has no o_proj bias");
            assertTrue(!params.containsKey("lm_head.weight"), "tied head has no own weight");
        }
    }

    @Test
    void loadingBeforeInitializationIsAnError() {
        LlamaForCausalLM model = new LlamaForCausalLM(
                LlamaConfig.fromFile(FixtureFiles.dir(LLAMA).resolve("config.json")));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> model.loadWeights(checkpoint(LLAMA)));
        assertTrue(e.getMessage().contains("initializeParameters"), e.getMessage());
    }
}
