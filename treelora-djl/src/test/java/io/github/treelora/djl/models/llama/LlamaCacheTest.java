package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Incremental decoding with the key/value cache agrees with full recomputation. */
class LlamaCacheTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void cachedGreedyGenerationEqualsRecomputation(String fixture) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = LlamaGoldenTest.load(fixture, manager);
            long[] prompt = {3, 9, 27, 1, 40};
            GenerationResult cached = model.generate(prompt, 12, -1, true);
            GenerationResult full = model.generate(prompt, 12, -1, false);
            assertEquals(12, cached.tokens().length);
            assertArrayEquals(full.tokens(), cached.tokens());
            for (int i = 0; i < 12; i++) {
                assertArrayEquals(full.stepLogits()[i], cached.stepLogits()[i], 1e-5f, "step " + i);
            }
            // Stopping at the end-of-sequence id: it is returned and nothing follows.
            long eos = full.tokens()[3];
            GenerationResult stopped = model.generate(prompt, 12, eos);
            int firstEos = 0;
            while (full.tokens()[firstEos] != eos) {
                firstEos++;
            }
            assertEquals(firstEos + 1, stopped.tokens().length);
            assertEquals(eos, stopped.tokens()[firstEos]);
        }
    }

    /** A left-padded batch decoded one token at a time gives the logits of one full pass over the batch. */
    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void cachedStepsOnPaddedBatchEqualFullPass(String fixture) {
        long[] ids = {0, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
        long[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        int t = 8;
        int prefix = 4;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = LlamaGoldenTest.load(fixture, manager);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray idsArr = manager.create(ids, new Shape(2, t));
            NDArray maskArr = manager.create(mask, new Shape(2, t));
            float[] full = model.logits(ps, idsArr, maskArr, null, false).toFloatArray();
            int vocab = model.config().vocabSize();
            try (KvCache cache = model.newCache(manager)) {
                NDArray first = model.logits(ps, idsArr.get(new NDIndex(":, :{}", prefix)),
                        maskArr.get(new NDIndex(":, :{}", prefix)), cache, false);
                assertEquals(prefix, cache.length());
                compare(full, first.toFloatArray(), 0, prefix, t, vocab, mask);
                for (int pos = prefix; pos < t; pos++) {
                    NDArray step = model.logits(ps, idsArr.get(new NDIndex(":, {}:{}", pos, pos + 1)),
                            maskArr.get(new NDIndex(":, {}:{}", pos, pos + 1)), cache, false);
                    compare(full, step.toFloatArray(), pos, 1, t, vocab, mask);
                }
                assertEquals(t, cache.length());
            }
        }
    }

    private static void compare(float[] full, float[] part, int start, int len, int t, int vocab, long[] mask) {
        int checked = 0;
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < len; i++) {
                if (mask[b * t + start + i] == 0) {
                    continue;
                }
                for (int v = 0; v < vocab; v++) {
                    float want = full[(b * t + start + i) * vocab + v];
                    float got = part[(b * len + i) * vocab + v];
                    assertEquals(want, got, 1e-5f, "row " + b + " position " + (start + i));
                    checked++;
                }
            }
        }
        assertTrue(checked > 0);
    }
}
