package io.github.treelora.djl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.bert.MiniLm;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.train.MeanSquaredError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's acceptance check: LoRA by module name on the project's models (tiny ViT, tiny LLaMA decoder, the real
 * pretrained MiniLM) adapts every layer in input-to-output order, leaves outputs bitwise unchanged before
 * training, and a few training steps change adapter parameters only.
 */
class LoraOnModelsTest {

    static final Path MINILM = Path.of("target/minilm/all-minilm-l6-v2.onnx");

    /** The expected paths: for each layer, the targets in the order given. */
    private static List<String> perLayer(String prefix, int layers, String infix, String... targets) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            for (String t : targets) {
                out.add(prefix + i + infix + t);
            }
        }
        return out;
    }

    /**
     * Injects {@code targets}, checks paths and unchanged outputs, trains a few steps towards a random target and
     * checks that exactly the adapter parameters changed.
     */
    private static void check(Block root, NDManager manager, NDList inputs, List<String> expectedPaths,
            Function<NDManager, NDList> freshInputs, String... targets) {
        float[] before = LoraTestSupport.predict(root, manager, inputs);
        Map<String, float[]> baseBefore = values(LoraStateDict.parameters(root));
        LoraModel model = new LoraModel(root);
        List<String> paths = model.addAdapter("task0", LoraConfig.builder().rank(4).alpha(8)
                .targetModules(targets).build());
        assertEquals(expectedPaths, paths);
        assertEquals(expectedPaths, model.modulePaths("task0"));
        assertArrayEquals(before, LoraTestSupport.predict(root, manager, inputs), "B = 0: outputs bitwise unchanged");

        Map<String, float[]> adapterBefore = new LinkedHashMap<>();
        values(LoraStateDict.parameters(root)).forEach((k, v) -> {
            if (!baseBefore.containsKey(k)) {
                adapterBefore.put(k, v);
            }
        });
        assertEquals(2 * expectedPaths.size(), adapterBefore.size());

        train(root, manager, freshInputs, before.length, 3);

        Map<String, float[]> after = values(LoraStateDict.parameters(root));
        assertEquals(baseBefore.size() + adapterBefore.size(), after.size());
        baseBefore.forEach((k, v) -> assertArrayEquals(v, after.get(k), "base parameter changed: " + k));
        adapterBefore.forEach((k, v) -> assertFalse(java.util.Arrays.equals(v, after.get(k)),
                "adapter parameter did not train: " + k));
        assertFalse(java.util.Arrays.equals(before, LoraTestSupport.predict(root, manager, inputs)));
    }

    /** Adam steps on a mean-squared error towards a fixed random target, with a per-step manager. */
    private static void train(Block root, NDManager manager, Function<NDManager, NDList> inputs, int outSize,
            int steps) {
        float[] target = LoraTestSupport.randomFloats(new Random(11), outSize);
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(new MeanSquaredError())
                .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(1e-2f)).build())
                .optDevices(new Device[] {Device.cpu()});
        try (Model djl = Model.newInstance("lora", Device.cpu(), "PyTorch")) {
            djl.setBlock(root);
            try (Trainer trainer = djl.newTrainer(cfg)) {
                for (int s = 0; s < steps; s++) {
                    try (NDManager step = manager.newSubManager();
                            GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray pred = root.forward(new ParameterStore(step, false), inputs.apply(step), true)
                                .singletonOrThrow();
                        NDArray label = step.create(target, pred.getShape());
                        gc.backward(trainer.getLoss().evaluate(new NDList(label), new NDList(pred)));
                    }
                    trainer.step();
                }
            }
        }
    }

    private static Map<String, float[]> values(Map<String, Parameter> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    @Test
    void vitQueryValue() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification vit = new ViTForImageClassification(PeftAdapterIOTest.VIT);
            vit.initialize(manager, DataType.FLOAT32, vit.inputShape());
            check(vit, manager, PeftAdapterIOTest.image(manager, 1),
                    perLayer("vit.encoder.layer.", 2, ".attention.attention.", "query", "value"),
                    m -> PeftAdapterIOTest.image(m, 1), "query", "value");
        }
    }

    @Test
    void llamaDecoderQProjVProj() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM llama = new LlamaForCausalLM(LlamaConfig.llama(32, 16, 24, 3, 4, 2, 64));
            llama.initializeParameters(manager);
            long[] ids = {1, 5, 9, 2, 30};
            Function<NDManager, NDList> in = m -> new NDList(m.create(ids, new Shape(1, ids.length)));
            check(llama, manager, in.apply(manager), perLayer("model.layers.", 3, ".self_attn.", "q_proj", "v_proj"),
                    in, "q_proj", "v_proj");
        }
    }

    @Test
    void realMiniLmQueryValue() {
        assertTrue(Files.isRegularFile(MINILM), "the build unpacks " + MINILM + " (generate-test-resources)");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            BertModel bert = MiniLm.load(MINILM, manager);
            // [CLS] hello world [SEP] [PAD] [PAD] / [CLS] this is a test [SEP]
            long[] ids = {101, 7592, 2088, 102, 0, 0, 101, 2023, 2003, 1037, 3231, 102};
            long[] mask = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1};
            long[] types = new long[ids.length];
            Function<NDManager, NDList> in = m -> new NDList(m.create(ids, new Shape(2, 6)),
                    m.create(mask, new Shape(2, 6)), m.create(types, new Shape(2, 6)));
            check(bert, manager, in.apply(manager), perLayer("encoder.layer.", 6, ".attention.self.", "query", "value"),
                    in, "query", "value");
        }
    }
}
