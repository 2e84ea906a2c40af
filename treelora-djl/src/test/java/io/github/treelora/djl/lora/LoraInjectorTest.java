package io.github.treelora.djl.lora;

import static io.github.treelora.djl.lora.LoraTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.transformer.BertBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Injection into SequentialBlock, a ModuleContainer model and DJL's BertBlock; errors leave models intact. */
class LoraInjectorTest {

    private static final int DIM = 8;

    private static SequentialBlock mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(16).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(16).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(4).build());
    }

    private static LoraConfig cfg(String... targets) {
        return LoraConfig.builder().rank(4).alpha(8).targetModules(targets).build();
    }

    /** Every non-adapter parameter bitwise equal to the snapshot, every adapter B different from zero. */
    private static void assertOnlyAdaptersChanged(Map<String, float[]> before, Block block, boolean skipRunningStats) {
        int loraChanged = 0;
        for (var p : block.getParameters()) {
            String name = p.getKey();
            float[] now = p.getValue().getArray().toFloatArray();
            if (p.getValue().getName().startsWith("lora_")) {
                if (p.getValue().getName().startsWith("lora_B.")) {
                    float[] zeros = new float[now.length];
                    assertFalse(java.util.Arrays.equals(zeros, now), name + " was not trained");
                    loraChanged++;
                }
                continue;
            }
            Parameter.Type type = p.getValue().getType();
            if (skipRunningStats && (type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR)) {
                continue; // DJL's BatchNorm updates its statistics in training mode even when frozen
            }
            assertTrue(before.containsKey(p.getValue().getId()), name + " is a new parameter");
            assertArrayEquals(before.get(p.getValue().getId()), now, name + " changed");
        }
        assertTrue(loraChanged > 0);
    }

    @Test
    void sequentialMlpPathsInjectionAndTraining() {
        Engine.getInstance().setRandomSeed(21);
        Random rnd = new Random(21);
        Shape xShape = new Shape(4, DIM);
        try (Model model = Model.newInstance("mlp", "PyTorch")) {
            SequentialBlock net = mlp();
            model.setBlock(net);
            net.initialize(model.getNDManager(), DataType.FLOAT32, xShape);
            assertEquals(List.of("0", "1", "2", "3", "4"), ModuleTree.paths(net));
            NDArray x = model.getNDManager().create(randomFloats(rnd, 4 * DIM), xShape);
            float[] before = LoraTestSupport.predict(net, model.getNDManager(), new NDList(x));
            Map<String, float[]> params = LoraTestSupport.snapshot(net);

            List<String> adapted = LoraInjector.inject(net, "a", cfg("0", "4"));
            assertEquals(List.of("0", "4"), adapted);
            assertTrue(net.getChildren().valueAt(0) instanceof LoraLinear);
            assertTrue(net.getChildren().valueAt(4) instanceof LoraLinear);
            assertFalse(net.getChildren().valueAt(2) instanceof LoraLinear);
            assertEquals(List.of("0", "1", "2", "3", "4"), ModuleTree.paths(net), "paths are stable");
            assertArrayEquals(before, LoraTestSupport.predict(net, model.getNDManager(), new NDList(x)));

            float[] target = randomFloats(rnd, 4 * 4);
            try (Trainer trainer = LoraTestSupport.adamTrainer(model, 1e-2f, xShape)) {
                for (int i = 0; i < 5; i++) {
                    LoraTestSupport.trainStep(trainer, x.toFloatArray(), xShape, target, new Shape(4, 4));
                }
            }
            assertOnlyAdaptersChanged(params, net, false);
        }
    }

    @Test
    void moduleContainerModelUsesHuggingFaceNamesAndLayerFilter() {
        Engine.getInstance().setRandomSeed(22);
        Random rnd = new Random(22);
        Shape xShape = new Shape(2, 3, DIM);
        try (Model model = Model.newInstance("named", "PyTorch")) {
            NamedBlocks.Named net = NamedBlocks.model(DIM, 3, 2);
            model.setBlock(net);
            net.initialize(model.getNDManager(), DataType.FLOAT32, xShape);
            assertEquals(List.of("layers", "layers.0", "layers.0.q_proj", "layers.0.act", "layers.0.v_proj",
                    "layers.1", "layers.1.q_proj", "layers.1.act", "layers.1.v_proj", "layers.2",
                    "layers.2.q_proj", "layers.2.act", "layers.2.v_proj", "head"), ModuleTree.paths(net));
            NDArray x = model.getNDManager().create(randomFloats(rnd, (int) xShape.size()), xShape);
            float[] before = LoraTestSupport.predict(net, model.getNDManager(), new NDList(x));
            Map<String, float[]> params = LoraTestSupport.snapshot(net);

            LoraConfig config = LoraConfig.builder().rank(2).alpha(4).targetModules("q_proj", "v_proj")
                    .layersToTransform(0, 2).rankPattern(Map.of("layers.2.v_proj", 3)).build();
            List<String> adapted = LoraInjector.inject(net, "task0", config);
            assertEquals(List.of("layers.0.q_proj", "layers.0.v_proj", "layers.2.q_proj", "layers.2.v_proj"),
                    adapted);
            LoraLinear v2 = (LoraLinear) ((NamedBlocks.Named) ((NamedBlocks.Named) net.namedModules().get("layers"))
                    .namedModules().get("2")).namedModules().get("v_proj");
            assertEquals(3, v2.getRank("task0"));
            assertEquals(new Shape(3, DIM), v2.getLoraA("task0").getArray().getShape());
            assertArrayEquals(before, LoraTestSupport.predict(net, model.getNDManager(), new NDList(x)));

            try (Trainer trainer = LoraTestSupport.adamTrainer(model, 1e-2f, xShape)) {
                float[] target = randomFloats(rnd, 2 * 3 * 2);
                for (int i = 0; i < 5; i++) {
                    LoraTestSupport.trainStep(trainer, x.toFloatArray(), xShape, target, new Shape(2, 3, 2));
                }
            }
            assertOnlyAdaptersChanged(params, net, false);

            // Regex targets; an already wrapped layer receives a second adapter.
            List<String> second = LoraInjector.inject(net, "task1",
                    LoraConfig.builder().rank(2).targetRegex("layers\\.[12]\\.q_proj").build());
            assertEquals(List.of("layers.1.q_proj", "layers.2.q_proj"), second);
            LoraLinear q2 = (LoraLinear) ((NamedBlocks.Named) ((NamedBlocks.Named) net.namedModules().get("layers"))
                    .namedModules().get("2")).namedModules().get("q_proj");
            assertEquals(List.of("task0", "task1"), q2.getAdapterNames());
        }
    }

    @Test
    void djlBertBlockInjectionThroughPrivateFields() {
        Engine.getInstance().setRandomSeed(23);
        Random rnd = new Random(23);
        int batch = 2;
        int seq = 8;
        Shape ids = new Shape(batch, seq);
        try (Model model = Model.newInstance("bert", "PyTorch")) {
            BertBlock bert = BertBlock.builder().setTokenDictionarySize(30).optTypeDictionarySize(2)
                    .optEmbeddingSize(16).optTransformerBlockCount(2).optAttentionHeadCount(2).optHiddenSize(32)
                    .optMaxSequenceLength(8).build();
            model.setBlock(bert);
            bert.initialize(model.getNDManager(), DataType.FLOAT32, ids, ids, ids);
            NDManager m = model.getNDManager();
            NDList inputs = bertInputs(m, rnd, batch, seq);
            float[] before = bertOutput(bert, m, inputs);
            Map<String, float[]> params = LoraTestSupport.snapshot(bert);

            List<String> adapted = LoraInjector.inject(bert, "a", cfg("queryProjection", "valueProjection"));
            assertEquals(List.of("transformer_0.selfAttention.queryProjection",
                    "transformer_0.selfAttention.valueProjection",
                    "transformer_1.selfAttention.queryProjection",
                    "transformer_1.selfAttention.valueProjection"), adapted);
            assertArrayEquals(before, bertOutput(bert, m, inputs), "B = 0 must not change the output");
            assertTrue(ModuleTree.paths(bert).contains("transformer_1.outputBlock.2"), ModuleTree.paths(bert)
                    .toString());

            try (Trainer trainer = LoraTestSupport.adamTrainer(model, 1e-2f, ids, ids, ids)) {
                float[] target = randomFloats(rnd, batch * seq * 16);
                for (int i = 0; i < 3; i++) {
                    try (NDManager step = trainer.getManager().newSubManager()) {
                        NDList in = bertInputs(step, new Random(i), batch, seq);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray out = trainer.forward(in).get(0);
                            NDArray loss = trainer.getLoss().evaluate(
                                    new NDList(step.create(target, out.getShape())), new NDList(out));
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                }
            }
            // The forward went through the swapped private fields: otherwise B would have no gradient.
            assertOnlyAdaptersChanged(params, bert, true);
        }
    }

    private static NDList bertInputs(NDManager m, Random rnd, int batch, int seq) {
        int[] tokens = new int[batch * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(30);
        }
        Shape s = new Shape(batch, seq);
        return new NDList(m.create(tokens, s), m.zeros(s, DataType.INT32), m.ones(s, DataType.INT32));
    }

    private static float[] bertOutput(BertBlock bert, NDManager m, NDList inputs) {
        try (NDManager scope = m.newSubManager()) {
            NDList out = bert.forward(new ParameterStore(scope, false), inputs, false);
            List<Float> all = new ArrayList<>();
            for (NDArray a : out) {
                for (float v : a.toFloatArray()) {
                    all.add(v);
                }
            }
            out.attach(scope);
            float[] r = new float[all.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = all.get(i);
            }
            return r;
        }
    }

    @Test
    void errorsAreClearAndLeaveTheModelUntouched() {
        Random rnd = new Random(24);
        Shape xShape = new Shape(2, DIM);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named net = NamedBlocks.model(DIM, 2, 3);
            net.initialize(m, DataType.FLOAT32, xShape);
            NDArray x = m.create(randomFloats(rnd, 2 * DIM), xShape);
            float[] before = LoraTestSupport.predict(net, m, new NDList(x));
            List<String> paths = ModuleTree.paths(net);
            List<String> paramNames = net.getParameters().keys();

            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> LoraInjector.inject(net, "a", cfg("q_proj", "q_prj")));
            assertTrue(unknown.getMessage().contains("\"q_prj\" matches no module"), unknown.getMessage());
            assertTrue(unknown.getMessage().contains("closest linear module names: [q_proj"), unknown.getMessage());

            IllegalArgumentException notLinear = assertThrows(IllegalArgumentException.class,
                    () -> LoraInjector.inject(net, "a", cfg("q_proj", "act")));
            assertTrue(notLinear.getMessage().contains("layers.0.act")
                    && notLinear.getMessage().contains("not a linear layer"), notLinear.getMessage());

            IllegalArgumentException layers = assertThrows(IllegalArgumentException.class,
                    () -> LoraInjector.inject(net, "a",
                            LoraConfig.builder().targetModules("q_proj").layersToTransform(5).build()));
            assertTrue(layers.getMessage().contains("layers [0, 1]"), layers.getMessage());

            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                    () -> LoraInjector.inject(net, "a", LoraConfig.builder().rank(0).targetModules("q_proj").build()));
            assertTrue(rank.getMessage().contains("rank"), rank.getMessage());

            assertThrows(IllegalArgumentException.class, () -> LoraInjector.inject(net, "bad name", cfg("q_proj")));

            assertEquals(paths, ModuleTree.paths(net));
            assertEquals(paramNames, net.getParameters().keys());
            for (var p : net.getParameters()) {
                assertTrue(p.getValue().requiresGradient(), p.getKey() + " was frozen by a failed injection");
            }
            for (ModuleTree.Module mod : ModuleTree.modules(net)) {
                assertFalse(mod.block() instanceof LoraLinear, mod.path());
            }
            assertArrayEquals(before, LoraTestSupport.predict(net, m, new NDList(x)));

            // Duplicate adapter name: refused, the existing adapter untouched.
            LoraInjector.inject(net, "a", cfg("q_proj"));
            List<String> withAdapter = net.getParameters().keys();
            IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                    () -> LoraInjector.inject(net, "a", cfg("v_proj")));
            assertTrue(dup.getMessage().contains("duplicate adapter name"), dup.getMessage());
            assertEquals(withAdapter, net.getParameters().keys());
        }
    }

    @Test
    void uninitialisedModelIsRefused() {
        SequentialBlock net = mlp();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoraInjector.inject(net, "a", cfg("0")));
        assertTrue(e.getMessage().contains("not initialised"), e.getMessage());
        assertSame(Linear.class, net.getChildren().valueAt(0).getClass());
    }
}
