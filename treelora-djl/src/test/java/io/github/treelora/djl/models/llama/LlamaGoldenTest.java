package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.djl.loss.CausalLmLoss;
import io.github.treelora.djl.models.InMemoryTensorSource;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Logits, loss and greedy generation against the independent float64 PyTorch reference in
 * src/test/python/make_llama_fixture.py (LLaMA with GQA, explicit head_dim and llama3 rope; Qwen2 with q/k/v
 * biases and tied embeddings).
 */
class LlamaGoldenTest {

    static final float LOGIT_TOL = 1e-4f;

    static LlamaForCausalLM load(String fixture, NDManager manager) {
        Path dir = FixtureFiles.dir(fixture);
        LlamaForCausalLM model = new LlamaForCausalLM(LlamaConfig.fromFile(dir.resolve("config.json")));
        model.initializeParameters(manager);
        model.loadWeights(FixtureFiles.safetensors(dir.resolve("model.safetensors")));
        return model;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void logitsMatchReferenceIncludingPaddedBatches(String fixture) {
        Path dir = FixtureFiles.dir(fixture);
        JsonNode ref = FixtureFiles.json(dir.resolve("reference.json"));
        InMemoryTensorSource expected = FixtureFiles.safetensors(dir.resolve("reference.safetensors"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = load(fixture, manager);
            int vocab = model.config().vocabSize();
            for (JsonNode c : ref.get("cases")) {
                long[][] ids = FixtureFiles.longMatrix(c.get("input_ids"));
                long[][] mask = FixtureFiles.longMatrix(c.get("attention_mask"));
                float[] want = expected.floats(c.get("name").asText() + ".logits");
                float[] got;
                try (NDManager step = manager.newSubManager()) {
                    Shape s = new Shape(ids.length, ids[0].length);
                    NDArray logits = model.logits(new ParameterStore(step, false),
                            step.create(FixtureFiles.flatten(ids), s), step.create(FixtureFiles.flatten(mask), s),
                            null, false);
                    assertEquals(new Shape(ids.length, ids[0].length, vocab), logits.getShape());
                    got = logits.toFloatArray();
                }
                double maxDiff = 0;
                int compared = 0;
                for (int b = 0; b < ids.length; b++) {
                    for (int t = 0; t < ids[b].length; t++) {
                        if (mask[b][t] == 0) {
                            continue; // padding positions have no defined output
                        }
                        for (int v = 0; v < vocab; v++) {
                            int i = (b * ids[b].length + t) * vocab + v;
                            maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
                            compared++;
                        }
                    }
                }
                LoggerFactory.getLogger(LlamaGoldenTest.class).info("{}/{}: max |logit diff| {} over {} logits",
                        fixture, c.get("name").asText(), maxDiff, compared);
                assertTrue(compared > 0);
                assertTrue(maxDiff < LOGIT_TOL,
                        fixture + "/" + c.get("name").asText() + ": max |logit diff| " + maxDiff);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void promptMaskedLossMatchesReference(String fixture) {
        JsonNode ref = FixtureFiles.json(FixtureFiles.dir(fixture).resolve("reference.json")).get("loss");
        long[][] ids = FixtureFiles.longMatrix(ref.get("input_ids"));
        long[][] mask = FixtureFiles.longMatrix(ref.get("attention_mask"));
        // The reference masks the first 2 tokens of each row and the padding; derive the same labels here.
        long[][] labels = CausalLmLoss.promptMaskedLabels(ids, mask, new int[] {2, 2});
        for (int b = 0; b < ids.length; b++) {
            assertArrayEquals(FixtureFiles.longs(ref.get("labels").get(b)), labels[b]);
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = load(fixture, manager);
            Shape s = new Shape(ids.length, ids[0].length);
            NDArray logits = model.logits(new ParameterStore(manager, false),
                    manager.create(FixtureFiles.flatten(ids), s), manager.create(FixtureFiles.flatten(mask), s),
                    null, false);
            float loss = CausalLmLoss.compute(logits, manager.create(FixtureFiles.flatten(labels), s)).getFloat();
            assertEquals(ref.get("loss").asDouble(), loss, 1e-5 * Math.max(1, Math.abs(loss)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void greedyGenerationMatchesReference(String fixture) {
        Path dir = FixtureFiles.dir(fixture);
        JsonNode ref = FixtureFiles.json(dir.resolve("reference.json")).get("generation");
        float[] wantLogits = FixtureFiles.safetensors(dir.resolve("reference.safetensors"))
                .floats("generation.step_logits");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = load(fixture, manager);
            int vocab = model.config().vocabSize();
            GenerationResult r = model.generate(
                    FixtureFiles.longs(ref.get("prompt")), ref.get("max_new_tokens").asInt(), -1);
            assertArrayEquals(FixtureFiles.longs(ref.get("tokens")), r.tokens());
            for (int step = 0; step < r.tokens().length; step++) {
                for (int v = 0; v < vocab; v++) {
                    assertEquals(wantLogits[step * vocab + v], r.stepLogits()[step][v], LOGIT_TOL,
                            "step " + step + " token " + v);
                }
            }
        }
    }
}
