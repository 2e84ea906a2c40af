package io.github.treelora.djl.lora;

import static io.github.treelora.djl.lora.LoraTestSupport.randomFloats;
import static io.github.treelora.djl.lora.LoraTestSupport.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The continual-learning adapter life cycle on {@link LoraModel}, checked against hand computations. */
class LoraModelTest {

    private static final int DIM = 6;
    private static final int ROWS = 4;
    private static final int OUT = 3;
    private static final Shape X_SHAPE = new Shape(ROWS, DIM);
    private static final Shape Y_SHAPE = new Shape(ROWS, OUT);

    /**
     * The test model by hand: per layer {@code h = x + v(relu(q(x)))}, then the head; each LoRA layer with the
     * given adapters (those it has).
     */
    private static double[] handForward(NamedBlocks.Named net, double[] x, List<String> adapters) {
        NamedBlocks.Named layers = (NamedBlocks.Named) net.namedModules().get("layers");
        double[] h = x;
        for (Block layerBlock : layers.namedModules().values()) {
            NamedBlocks.Named layer = (NamedBlocks.Named) layerBlock;
            double[] q = apply(layer.namedModules().get("q_proj"), h, adapters);
            for (int i = 0; i < q.length; i++) {
                q[i] = Math.max(0, q[i]);
            }
            double[] v = apply(layer.namedModules().get("v_proj"), q, adapters);
            for (int i = 0; i < v.length; i++) {
                v[i] += h[i];
            }
            h = v;
        }
        return apply(net.namedModules().get("head"), h, adapters);
    }

    private static double[] apply(Block block, double[] x, List<String> adapters) {
        if (block instanceof LoraLinear) {
            LoraLinear l = (LoraLinear) block;
            List<String> here = new ArrayList<>();
            for (String n : adapters) {
                if (l.hasAdapter(n)) {
                    here.add(n);
                }
            }
            return LoraTestSupport.loraReference(l, x, ROWS, here);
        }
        Linear lin = (Linear) block;
        double[] w = LoraTestSupport.values(lin.getParameters().get("weight"));
        double[] b = LoraTestSupport.values(lin.getParameters().get("bias"));
        int out = b.length;
        double[] y = LoraTestSupport.matmulT(x, ROWS, w.length / out, w, out);
        for (int i = 0; i < y.length; i++) {
            y[i] += b[i % out];
        }
        return y;
    }

    private static void assertClose(double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "element " + i);
        }
    }

    private static Map<String, float[]> values(Map<String, Parameter> params) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        params.forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    private static void train(Model model, float[] x, float[] y, int steps) {
        try (Trainer trainer = LoraTestSupport.adamTrainer(model, 1e-2f, X_SHAPE)) {
            for (int i = 0; i < steps; i++) {
                LoraTestSupport.trainStep(trainer, x, X_SHAPE, y, Y_SHAPE);
            }
        }
    }

    @Test
    void task0FrozenWhileTask1TrainsThenSubsetAndDelete() {
        Engine.getInstance().setRandomSeed(31);
        Random rnd = new Random(31);
        try (Model model = Model.newInstance("lifecycle", "PyTorch")) {
            NamedBlocks.Named net = NamedBlocks.model(DIM, 2, OUT);
            model.setBlock(net);
            net.initialize(model.getNDManager(), DataType.FLOAT32, X_SHAPE);
            LoraModel lm = new LoraModel(net);
            float[] x = randomFloats(rnd, ROWS * DIM);
            NDArray xs = model.getNDManager().create(x, X_SHAPE);
            Map<String, float[]> base = LoraTestSupport.snapshot(net);

            LoraConfig c0 = LoraConfig.builder().rank(2).alpha(4).targetModules("q_proj", "v_proj").build();
            List<String> paths0 = lm.addAdapter("task0", c0);
            assertEquals(List.of("layers.0.q_proj", "layers.0.v_proj", "layers.1.q_proj", "layers.1.v_proj"), paths0);
            assertEquals(paths0, List.copyOf(lm.loraA("task0").keySet()), "A in layer order");
            assertEquals(paths0, List.copyOf(lm.loraB("task0").keySet()), "B in layer order");
            train(model, x, randomFloats(rnd, ROWS * OUT), 10);

            lm.freezeAdapter("task0");
            Map<String, float[]> a0 = values(lm.loraA("task0"));
            Map<String, float[]> b0 = values(lm.loraB("task0"));
            LoraConfig c1 = LoraConfig.builder().rank(3).alpha(3).targetModules("q_proj", "head").build();
            List<String> paths1 = lm.addAdapter("task1", c1);
            assertEquals(List.of("layers.0.q_proj", "layers.1.q_proj", "head"), paths1);
            assertEquals(List.of("task0", "task1"), lm.activeAdapters(), "task0 stays active");
            assertEquals(List.of("task0", "task1"), lm.adapterNames());
            assertEquals(2 * paths1.size(), lm.trainableParameters().size(), "only task1 is trainable");
            assertEquals(c1, lm.getConfig("task1").orElseThrow());
            train(model, x, randomFloats(rnd, ROWS * OUT), 10);

            Map<String, float[]> a0After = values(lm.loraA("task0"));
            Map<String, float[]> b0After = values(lm.loraB("task0"));
            for (String p : paths0) {
                assertArrayEquals(a0.get(p), a0After.get(p), "frozen task0 A changed at " + p);
                assertArrayEquals(b0.get(p), b0After.get(p), "frozen task0 B changed at " + p);
            }
            lm.loraB("task1").forEach((p, b) -> assertTrue(b.getArray().abs().sum().getFloat() > 0,
                    "task1 B not trained at " + p));
            for (var p : net.getParameters()) {
                if (!p.getValue().getName().startsWith("lora_")) {
                    assertArrayEquals(base.get(p.getValue().getId()), p.getValue().getArray().toFloatArray(),
                            p.getKey() + " (base) changed");
                }
            }

            // Both active: base + both deltas, by hand.
            assertClose(handForward(net, toDouble(x), List.of("task0", "task1")),
                    LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs)), 1e-4);
            float[] both = LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs));
            Map<String, List<String>> bothByLayer = lm.activeAdaptersByLayer();
            assertEquals(Map.of("layers.0.q_proj", List.of("task0", "task1"), "layers.0.v_proj", List.of("task0"),
                    "layers.1.q_proj", List.of("task0", "task1"), "layers.1.v_proj", List.of("task0"),
                    "head", List.of("task1")), bothByLayer);
            // A subset, and none.
            lm.setActiveAdapters("task1");
            assertEquals(List.of("task1"), lm.activeAdapters());
            float[] onlyTask1 = LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs));
            assertClose(handForward(net, toDouble(x), List.of("task1")), onlyTask1, 1e-4);
            assertFalse(Arrays.equals(both, onlyTask1));
            lm.setActiveAdapters();
            assertClose(handForward(net, toDouble(x), List.of()),
                    LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs)), 1e-4);
            assertThrows(IllegalArgumentException.class, () -> lm.setActiveAdapters("task0", "nope"));
            assertEquals(List.of(), lm.activeAdapters(), "a failed activation changes nothing");

            // Per-layer sets: a layer missing from the map gets none; the snapshot restores the same function.
            lm.setActiveAdaptersByLayer(Map.of());
            assertEquals(List.of(), lm.activeAdapters());
            lm.setActiveAdaptersByLayer(bothByLayer);
            assertArrayEquals(both, LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs)));

            // Merge both into the base weights and back.
            lm.setActiveAdapters("task0", "task1");
            lm.merge();
            assertClose(toDouble(both), LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs)), 1e-5);
            assertThrows(IllegalStateException.class, () -> lm.deleteAdapter("task0"));
            lm.unmerge();
            for (var p : net.getParameters()) {
                if (!p.getValue().getName().startsWith("lora_")) {
                    assertClose(toDouble(base.get(p.getValue().getId())), p.getValue().getArray().toFloatArray(),
                            1e-6);
                }
            }

            // Delete task0: task1 alone remains and computes as by hand.
            lm.deleteAdapter("task0");
            assertEquals(List.of("task1"), lm.adapterNames());
            assertThrows(IllegalArgumentException.class, () -> lm.loraA("task0"));
            assertClose(handForward(net, toDouble(x), List.of("task1")),
                    LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs)), 1e-4);
            lm.setAdaptersEnabled(false);
            assertClose(handForward(net, toDouble(x), List.of()),
                    LoraTestSupport.predict(net, model.getNDManager(), new NDList(xs)), 1e-4);
        }
    }
}
