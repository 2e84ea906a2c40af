package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The runs behind the checkpoints kept in {@code src/test/resources/checkpoints/v1}: each was written by the code of
 * format version 1 (the checkpoint code of main at b58fbfb) with these settings and killed before task
 * {@link Case#completed}, leaving the checkpoint after that many tasks. The backbones' weights come from {@link java.util.Random}, not from the engine's
 * generator, so that the same weights (and backbone SHA-256) are rebuilt on any machine.
 */
final class LegacyCheckpoints {

    private LegacyCheckpoints() {
    }

    /** One kept checkpoint: where it lies, and how to rebuild its run. */
    record Case(String name, Function<NDManager, Backbone> backbone, Supplier<List<ContinualTask>> tasks,
            Supplier<ContinualStrategy> strategy, Supplier<ContinualTrainerConfig.Builder> config, int completed) {

        String resource() {
            return "/checkpoints/v1/" + name;
        }
    }

    static final List<Case> CASES = List.of(
            // classification, TreeLoRA's own state files, class-incremental
            new Case("treelora-paper", LegacyCheckpoints::mlp, () -> Synthetic.tasks(3, 2, 16, 8, 2, 0.5),
                    () -> Strategies.create("treelora"), () -> classification(), 1),
            // a DoRA variant (variant and trainableExtra fields) and task inference (taskActiveAdapters)
            new Case("seqlora-dora-gaussian", LegacyCheckpoints::mlp, () -> Synthetic.tasks(3, 2, 16, 8, 9, 0.6),
                    () -> Strategies.create("seqlora", Synthetic.lora(4).toBuilder().useDora(true).build()),
                    () -> classification().taskInference(TaskInference.CLASS_GAUSSIAN), 2),
            // the causal-LM objective (no head file), O-LoRA's state files
            new Case("causal-lm-olora", LegacyCheckpoints::decoder, () -> CausalLmTrainingTest.tasks(2, 4, 2),
                    () -> Strategies.create("olora", LoraConfig.builder().rank(4).alpha(8)
                            .targetModules("q_proj", "v_proj").build()),
                    () -> ContinualTrainerConfig.builder().epochs(2).batchSize(8).learningRate(2e-2).seed(3)
                            .progress(false), 1));

    private static ContinualTrainerConfig.Builder classification() {
        return ContinualTrainerConfig.builder().epochs(2).batchSize(16).learningRate(1e-2).seed(4).progress(false);
    }

    /** {@link Synthetic#backbone}'s MLP with weights drawn from a fixed {@link Random}. */
    static Backbone mlp(NDManager manager) {
        Backbone b = Synthetic.backbone(manager, 1);
        overwrite(b.block(), 0.4, 17);
        return new Backbone("mlp-fixed", b.block(), b.featureDim());
    }

    /** A two-layer LLaMA of {@link CausalLmTrainingTest#VOCAB} tokens with weights from a fixed {@link Random}. */
    static Backbone decoder(NDManager manager) {
        LlamaForCausalLM lm = new LlamaForCausalLM(LlamaConfig.llama(CausalLmTrainingTest.VOCAB, 32, 64, 2, 4, 2,
                64));
        lm.initializeParameters(manager);
        overwrite(lm, 0.3, 23);
        return new Backbone("tiny-llama-fixed", lm, CausalLmTrainingTest.VOCAB);
    }

    /** Sets every parameter to Gaussian values of standard deviation {@code std} (norm weights to 1 + that). */
    private static void overwrite(Block block, double std, long seed) {
        Random r = new Random(seed);
        for (var p : block.getParameters()) {
            Parameter param = p.getValue();
            float[] v = new float[Math.toIntExact(param.getArray().size())];
            boolean norm = p.getKey().contains("norm");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((norm ? 1 : 0) + std * r.nextGaussian());
            }
            param.getArray().set(v);
        }
    }
}
