package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batched greedy generation of {@link GenerationTaskData} against the model's own cached greedy decoding. */
class GenerationScoringTest {

    @Test
    void batchedGenerationEqualsCachedGreedyDecodingRowByRow() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = CausalLmTrainingTest.decoder(m);
            LlamaForCausalLM lm = (LlamaForCausalLM) backbone.block();
            Random r = new Random(3);
            List<long[]> prompts = new ArrayList<>();
            List<long[]> completions = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                long[] p = new long[1 + r.nextInt(7)];
                for (int t = 0; t < p.length; t++) {
                    p[t] = 2 + r.nextInt(CausalLmTrainingTest.VOCAB - 2);
                }
                prompts.add(p);
                completions.add(new long[] {5, CausalLmTrainingTest.EOS});
            }
            // the end token: one the random model does emit for some rows, so that both stopping paths are exercised
            long end = lm.generate(prompts.get(0), 1, -1).tokens()[0];
            int maxNew = 5;
            List<long[]> seen = new ArrayList<>();
            ScoredCompletionData data = new ScoredCompletionData(
                    new PromptCompletionData(prompts, completions, new int[10], CausalLmTrainingTest.PAD), maxNew, end,
                    CausalLmTrainingTest.PAD, (index, generated) -> {
                        seen.add(generated);
                        return generated.length / (double) maxNew;
                    });
            TaskObjective.CausalLm objective = new TaskObjective.CausalLm(backbone);
            ParameterStore ps = new ParameterStore(m, false);
            int[] all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
            long[][] batched;
            double sum;
            try (NDManager step = m.newSubManager()) {
                batched = objective.generate(ps, data, all, step);
                sum = objective.score(ps, data, all, step, null);
            }
            double expectedSum = 0;
            int stopped = 0;
            for (int i = 0; i < 10; i++) {
                long[] ref = lm.generate(prompts.get(i), maxNew, end).tokens();
                int n = ref.length;
                if (n > 0 && ref[n - 1] == end) {
                    n--; // the end token is not part of the answer
                    stopped++;
                }
                assertArrayEquals(Arrays.copyOf(ref, n), batched[i], "row " + i);
                expectedSum += n / (double) maxNew;
            }
            assertEquals(expectedSum, sum, 1e-12);
            assertEquals(10, seen.size());
            assertEquals(true, stopped > 0 && stopped < 10, "both stopping paths: " + stopped + " rows ended early");
        }
    }

    @Test
    void maxNewTokensMustBePositive() {
        PromptCompletionData d = new PromptCompletionData(List.of(new long[] {2}), List.of(new long[] {1}),
                new int[1], 0);
        assertThrows(IllegalArgumentException.class, () -> new ScoredCompletionData(d, 0, 1, 0, (i, g) -> 0));
    }
}
