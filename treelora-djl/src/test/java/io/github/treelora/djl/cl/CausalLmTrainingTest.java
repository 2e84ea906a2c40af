package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.models.llama.GenerationResult;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The trainer's causal-LM objective on a tiny random {@link LlamaForCausalLM} with LoRA on {@code q_proj} and
 * {@code v_proj}: every strategy lowers the completion loss, resume after a crash is bitwise, and the exact-match
 * evaluation agrees token by token with the model's own KV-cached greedy {@link LlamaForCausalLM#generate}.
 */
class CausalLmTrainingTest {

    static final long PAD = 0;
    static final long EOS = 1;
    static final int VOCAB = 24;

    static List<String> strategies() {
        return Strategies.NAMES;
    }

    static LoraConfig lora() {
        return LoraConfig.builder().rank(4).alpha(8).targetModules("q_proj", "v_proj").build();
    }

    static Backbone decoder(NDManager manager) {
        LlamaForCausalLM lm = new LlamaForCausalLM(LlamaConfig.llama(VOCAB, 32, 64, 2, 4, 2, 64));
        // wider than Hugging Face's 0.02, so that the frozen random layers pass the LoRA updates on strongly
        lm.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
        Engine.getInstance().setRandomSeed(5);
        lm.initializeParameters(manager);
        return new Backbone("tiny-llama", lm, VOCAB);
    }

    /**
     * Task k has classes 2k and 2k+1; a sample of class c is 3..6 filler tokens (ids 10..23) with the key token
     * 2 + c at a random place, and its completion is {@code [10 + c, EOS]}.
     */
    static List<ContinualTask> tasks(int numTasks, int train, int test) {
        Random r = new Random(7);
        List<ContinualTask> out = new ArrayList<>();
        for (int k = 0; k < numTasks; k++) {
            int[] classes = {2 * k, 2 * k + 1};
            out.add(new ContinualTask(k, "t" + k, classes, split(classes, train, r), split(classes, test, r)));
        }
        return out;
    }

    private static PromptCompletionData split(int[] classes, int perClass, Random r) {
        List<long[]> prompts = new ArrayList<>();
        List<long[]> completions = new ArrayList<>();
        int[] labels = new int[classes.length * perClass];
        int n = 0;
        for (int i = 0; i < perClass; i++) {
            for (int c : classes) {
                long[] p = new long[3 + r.nextInt(4)];
                for (int t = 0; t < p.length; t++) {
                    p[t] = 10 + r.nextInt(VOCAB - 10);
                }
                p[r.nextInt(p.length)] = 2 + c;
                prompts.add(p);
                completions.add(new long[] {10 + c, EOS});
                labels[n++] = c;
            }
        }
        return new PromptCompletionData(prompts, completions, labels, PAD);
    }

    private static ContinualTrainerConfig.Builder config() {
        return ContinualTrainerConfig.builder().epochs(4).batchSize(8).learningRate(2e-2).seed(3).progress(false);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void everyStrategyLowersTheCompletionLoss(String name) throws Exception {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            ContinualResult r = new ContinualTrainer(config().build()).run(decoder(m), tasks(2, 12, 4),
                    Strategies.create(name, lora()));
            for (ContinualResult.TaskStats s : r.tasks()) {
                List<Double> l = s.epochLosses();
                assertTrue(l.get(l.size() - 1) < 0.8 * l.get(0), name + " task " + s.name() + " losses " + l);
            }
            for (double[] row : r.accuracy()) {
                for (double v : row) {
                    assertTrue(Double.isNaN(v) || (v >= 0 && v <= 1), Arrays.toString(row));
                }
            }
        }
    }

    @Test
    void trainedLongEnoughTheAdaptedDecoderGeneratesMostHeldOutAnswersExactly() throws Exception {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            ContinualResult r = new ContinualTrainer(config().epochs(25).build()).run(decoder(m), tasks(1, 24, 12),
                    Strategies.create("seqlora", lora()));
            // 24 test prompts, answer [10 + c, EOS]: a guess would match 1 in 24^2 (measured 0.79 here)
            assertTrue(r.accuracy()[0][0] > 0.6, "exact match " + r.accuracy()[0][0] + ", losses "
                    + r.tasks().get(0).epochLosses());
        }
    }

    @Test
    void exactMatchAgreesWithCachedGreedyGenerationTokenByToken() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = decoder(m);
            LlamaForCausalLM lm = (LlamaForCausalLM) backbone.block();
            Random r = new Random(1);
            List<long[]> prompts = new ArrayList<>();
            List<long[]> completions = new ArrayList<>();
            List<Boolean> expected = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                long[] p = new long[2 + r.nextInt(6)]; // different lengths: right padding inside the batch
                for (int t = 0; t < p.length; t++) {
                    p[t] = 2 + r.nextInt(VOCAB - 2);
                }
                long[] greedy = lm.generate(p, 3, -1).tokens();
                long[] c = greedy.clone();
                switch (i % 4) {
                    case 1 -> c[0] = (c[0] + 1) % VOCAB; // wrong first token
                    case 2 -> c[2] = (c[2] + 1) % VOCAB; // right until the last token
                    case 3 -> c = Arrays.copyOf(greedy, 1); // a one-token completion that greedy starts with
                    default -> { }
                }
                prompts.add(p);
                completions.add(c);
                // reference: the completion is exactly what greedy decoding produces for its length
                expected.add(Arrays.equals(Arrays.copyOf(lm.generate(p, c.length, -1).tokens(), c.length), c));
            }
            assertEquals(List.of(true, false, false, true), expected.subList(0, 4));
            PromptCompletionData data = new PromptCompletionData(prompts, completions, new int[12], PAD);
            TaskObjective objective = new TaskObjective.CausalLm(backbone);
            ParameterStore ps = new ParameterStore(m, false);
            long all;
            try (NDManager step = m.newSubManager()) {
                all = objective.correct(ps, data.batch(range(12), step), null);
            }
            assertEquals(expected.stream().filter(b -> b).count(), all);
            for (int i = 0; i < 12; i++) {
                try (NDManager step = m.newSubManager()) {
                    assertEquals(expected.get(i) ? 1 : 0, objective.correct(ps, data.batch(new int[] {i}, step), null),
                            "sample " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void resumeAfterACrashGivesTheUninterruptedRunBitwise(String name, @TempDir Path tmp) throws Exception {
        Path full = tmp.resolve("full");
        Path crashed = tmp.resolve("crashed");
        List<ContinualTask> tasks = tasks(3, 6, 3);
        ContinualResult uninterrupted;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            uninterrupted = new ContinualTrainer(config().epochs(2).checkpointDir(full).build()).run(decoder(m),
                    tasks, Strategies.create(name, lora()));
        }
        assertFalse(Files.exists(full.resolve(Checkpoint.HEAD)), "a causal-LM run has no head");
        assertTrue(Files.readString(full.resolve(Checkpoint.JSON)).contains("\"objective\" : \"causal-lm\""));
        ContinualTrainer trainer = new ContinualTrainer(config().epochs(2).checkpointDir(crashed).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThrows(Strategies.Killed.class, () -> trainer.run(decoder(m), tasks,
                    new Strategies.Failing(Strategies.create(name, lora()), 2, -1)));
        }
        ContinualResult resumed;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            resumed = trainer.resume(decoder(m), tasks, Strategies.create(name, lora()));
        }
        assertEquals(2, resumed.resumedAfterTask());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(uninterrupted.accuracy()[i], resumed.accuracy()[i], 0.0, name + " row " + i);
        }
        assertArrayEquals(Files.readAllBytes(full.resolve(Checkpoint.ADAPTERS)),
                Files.readAllBytes(crashed.resolve(Checkpoint.ADAPTERS)), name + " adapters");
    }

    @Test
    void aLanguageModelCheckpointDoesNotResumeAClassificationRun(@TempDir Path tmp) throws Exception {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            new ContinualTrainer(config().epochs(1).checkpointDir(tmp).build()).run(decoder(m), tasks(1, 2, 2),
                    Strategies.create("seqlora", lora()));
        }
        ContinualTrainer trainer = new ContinualTrainer(config().epochs(1).checkpointDir(tmp).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> trainer.resume(
                    Synthetic.backbone(m, 2), Synthetic.tasks(1, 2, 4, 2, 5, 0.6), Strategies.create("seqlora")));
            assertTrue(e.getMessage().contains("checkpoint of a causal-lm task stream"), e.getMessage());
        }
    }

    @Test
    void aStreamMixingClassificationAndLanguageModelDataIsRejected() {
        List<ContinualTask> lm = tasks(1, 2, 2);
        ContinualTask mixed = new ContinualTask(1, "vectors", new int[] {2},
                ArrayTaskData.of(new float[][] {{1f}}, new int[] {2}), lm.get(0).test());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ContinualTrainer(config().build()).run(decoder(m), List.of(lm.get(0), mixed),
                            Strategies.create("seqlora", lora())));
            assertTrue(e.getMessage().contains("task 1 'vectors'"), e.getMessage());
        }
    }

    @Test
    void promptCompletionBatchesPadOnTheRightAndLabelOnlyTheCompletion() {
        PromptCompletionData d = new PromptCompletionData(List.of(new long[] {5, 6, 7}, new long[] {8}),
                List.of(new long[] {9, 1}, new long[] {4, 3, 1}), new int[] {0, 1}, 2);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LabeledBatch b = d.batch(new int[] {1, 0}, m);
            assertArrayEquals(new long[] {8, 4, 3, 1, 2, 5, 6, 7, 9, 1}, b.inputs().get(0).toLongArray());
            assertArrayEquals(new long[] {1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, b.inputs().get(1).toLongArray());
            assertArrayEquals(new long[] {-100, 4, 3, 1, -100, -100, -100, -100, 9, 1}, b.labels().toLongArray());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PromptCompletionData(
                List.of(new long[] {1}), List.of(new long[0]), new int[] {0}, 0));
        assertTrue(e.getMessage().contains("completion of sample 0 is empty"), e.getMessage());
    }

    private static int[] range(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return idx;
    }
}
