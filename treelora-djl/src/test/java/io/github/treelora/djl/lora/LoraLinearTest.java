package io.github.treelora.djl.lora;

import static io.github.treelora.djl.lora.LoraTestSupport.randomFloats;
import static io.github.treelora.djl.lora.LoraTestSupport.toDouble;
import static io.github.treelora.djl.lora.LoraTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.Trainer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link LoraLinear} against hand computations, under DJL's trainer, and merge/unmerge. */
class LoraLinearTest {

    private static final int IN = 6;
    private static final int OUT = 5;

    /** A LoraLinear over a float32 Linear with random bias and two adapters with random non-zero B. */
    private static LoraLinear twoAdapterLayer(NDManager m, Random rnd, Shape inputShape) {
        Linear lin = Linear.builder().setUnits(OUT).build();
        lin.initialize(m, DataType.FLOAT32, inputShape);
        lin.getParameters().get("bias").getArray().set(FloatBuffer.wrap(randomFloats(rnd, OUT)));
        LoraLinear lora = new LoraLinear(lin);
        lora.addAdapter("task0", 2, 4.0, 0, LoraInit.KAIMING_UNIFORM, false);
        lora.addAdapter("task1", 3, 1.5, 0, LoraInit.KAIMING_UNIFORM, false);
        for (String n : List.of("task0", "task1")) {
            Parameter b = lora.getLoraB(n);
            b.getArray().set(FloatBuffer.wrap(randomFloats(rnd, (int) b.getArray().size())));
        }
        return lora;
    }

    private static double[] reference(LoraLinear lora, float[] x, int rows, List<String> adapters) {
        return LoraTestSupport.loraReference(lora, toDouble(x), rows, adapters);
    }

    private static void assertClose(double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "element " + i);
        }
    }

    @Test
    void forwardOn2dAnd3dInputsEqualsBasePlusBothScaledDeltas() {
        Random rnd = new Random(1);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LoraLinear lora = twoAdapterLayer(m, rnd, new Shape(4, IN));
            assertEquals(2.0, lora.getScaling("task0"));
            assertEquals(0.5, lora.getScaling("task1"));
            float[] x = randomFloats(rnd, 2 * 3 * IN);
            float[] y3 = LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(2, 3, IN))));
            float[] y2 = LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(6, IN))));
            double[] ref = reference(lora, x, 6, List.of("task0", "task1"));
            assertClose(ref, y3, 1e-5);
            assertClose(ref, y2, 1e-5);

            lora.setActiveAdapters(List.of("task1"));
            assertClose(reference(lora, x, 6, List.of("task1")),
                    LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(6, IN)))), 1e-5);
            lora.setAdaptersEnabled(false);
            assertClose(reference(lora, x, 6, List.of()),
                    LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(6, IN)))), 1e-5);
            assertEquals(List.of("task1"), lora.getActiveAdapters(), "disabling keeps the active set");
        }
    }

    @Test
    void freshAdapterLeavesOutputBitwiseUnchangedAndUsesPeftInit() {
        Random rnd = new Random(2);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Linear lin = Linear.builder().setUnits(OUT).build();
            lin.initialize(m, DataType.FLOAT32, new Shape(3, 64));
            float[] x = randomFloats(rnd, 3 * 64);
            float[] before = LoraTestSupport.predict(lin, m, new NDList(m.create(x, new Shape(3, 64))));
            LoraLinear lora = new LoraLinear(lin);
            lora.addAdapter("a", 16, 16, 0.1, LoraInit.KAIMING_UNIFORM, false);
            assertArrayEquals(before, LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(3, 64)))));
            float[] b = lora.getLoraB("a").getArray().toFloatArray();
            for (float v : b) {
                assertEquals(0f, v);
            }
            // kaiming_uniform(a=sqrt(5)) on [16, 64]: U(-1/8, 1/8); its std is 1/(8 sqrt(3)) = 0.0722.
            float[] a = lora.getLoraA("a").getArray().toFloatArray();
            double sum = 0;
            double sq = 0;
            for (float v : a) {
                assertTrue(Math.abs(v) <= 0.125f, "A outside the Kaiming bound: " + v);
                sum += v;
                sq += v * v;
            }
            double std = Math.sqrt(sq / a.length - (sum / a.length) * (sum / a.length));
            assertEquals(1 / (8 * Math.sqrt(3)), std, 0.01);
            assertEquals(DataType.FLOAT32, lora.getLoraA("a").getArray().getDataType());
            assertEquals(lin.getParameters().get("weight").getArray().getDevice(),
                    lora.getLoraA("a").getArray().getDevice());
        }
    }

    @Test
    void mergeMatchesUnmergedForwardAndUnmergeRestoresWeight() {
        Random rnd = new Random(3);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LoraLinear lora = twoAdapterLayer(m, rnd, new Shape(4, IN));
            float[] x = randomFloats(rnd, 4 * IN);
            float[] w0 = lora.getBaseWeight().getArray().toFloatArray();
            float[] unmerged = LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(4, IN))));
            lora.merge();
            assertTrue(lora.isMerged());
            float[] wMerged = lora.getBaseWeight().getArray().toFloatArray();
            // W + s0 B0 A0 + s1 B1 A1, by hand
            double[] expectedW = toDouble(w0);
            for (String n : List.of("task0", "task1")) {
                int r = lora.getRank(n);
                double[] a = values(lora.getLoraA(n));
                double[] b = values(lora.getLoraB(n));
                for (int o = 0; o < OUT; o++) {
                    for (int i = 0; i < IN; i++) {
                        double s = 0;
                        for (int k = 0; k < r; k++) {
                            s += b[o * r + k] * a[k * IN + i];
                        }
                        expectedW[o * IN + i] += lora.getScaling(n) * s;
                    }
                }
            }
            assertClose(expectedW, wMerged, 1e-5);
            float[] merged = LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(4, IN))));
            assertClose(toDouble(unmerged), merged, 1e-5);
            assertThrows(IllegalStateException.class, () -> lora.setActiveAdapters(List.of("task0")));
            assertThrows(IllegalStateException.class, () -> lora.deleteAdapter("task0"));
            lora.unmerge();
            assertClose(toDouble(w0), lora.getBaseWeight().getArray().toFloatArray(), 1e-6);
            assertClose(toDouble(unmerged),
                    LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(4, IN)))), 1e-5);
        }
    }

    @Test
    void deleteRemovesParametersAndContribution() {
        Random rnd = new Random(4);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LoraLinear lora = twoAdapterLayer(m, rnd, new Shape(2, IN));
            int before = lora.getParameters().size();
            lora.deleteAdapter("task0");
            assertEquals(before - 2, lora.getParameters().size());
            assertEquals(List.of("task1"), lora.getAdapterNames());
            assertEquals(List.of("task1"), lora.getActiveAdapters());
            float[] x = randomFloats(rnd, 2 * IN);
            assertClose(reference(lora, x, 2, List.of("task1")),
                    LoraTestSupport.predict(lora, m, new NDList(m.create(x, new Shape(2, IN)))), 1e-5);
            assertThrows(IllegalArgumentException.class, () -> lora.getLoraA("task0"));
            assertThrows(IllegalArgumentException.class, () -> lora.addAdapter("task1", 2, 2, 0,
                    LoraInit.KAIMING_UNIFORM, false), "duplicate name");
            assertThrows(IllegalArgumentException.class, () -> lora.addAdapter("x", 0, 2, 0,
                    LoraInit.KAIMING_UNIFORM, false), "rank 0");
            assertThrows(IllegalArgumentException.class, () -> lora.addAdapter("bad.name", 2, 2, 0,
                    LoraInit.KAIMING_UNIFORM, false));
            assertEquals(List.of("task1"), lora.getAdapterNames(), "failed adds change nothing");
        }
    }

    @Test
    void trainerWithAdamNeverTouchesBaseOrFrozenAdapter() {
        Engine.getInstance().setRandomSeed(11);
        Random rnd = new Random(5);
        Shape xShape = new Shape(8, 3, IN);
        Shape yShape = new Shape(8, 3, OUT);
        try (Model model = Model.newInstance("lora-linear", "PyTorch")) {
            Linear lin = Linear.builder().setUnits(OUT).build();
            lin.initialize(model.getNDManager(), DataType.FLOAT32, xShape);
            LoraLinear lora = new LoraLinear(lin);
            lora.addAdapter("task0", 2, 4, 0.1, LoraInit.KAIMING_UNIFORM, false);
            lora.getLoraB("task0").getArray().set(FloatBuffer.wrap(randomFloats(rnd, OUT * 2)));
            lora.freezeAdapter("task0", true);
            lora.addAdapter("task1", 2, 4, 0.1, LoraInit.KAIMING_UNIFORM, false);
            model.setBlock(lora);
            float[] w = lora.getBaseWeight().getArray().toFloatArray();
            float[] b = lora.getBaseBias().getArray().toFloatArray();
            float[] a0 = lora.getLoraA("task0").getArray().toFloatArray();
            float[] b0 = lora.getLoraB("task0").getArray().toFloatArray();
            float[] a1 = lora.getLoraA("task1").getArray().toFloatArray();
            float[] b1 = lora.getLoraB("task1").getArray().toFloatArray();
            float[] target = randomFloats(rnd, (int) yShape.size());
            try (Trainer trainer = LoraTestSupport.adamTrainer(model, 1e-2f, xShape)) {
                float first = Float.NaN;
                float last = Float.NaN;
                for (int step = 0; step < 100; step++) {
                    last = LoraTestSupport.trainStep(trainer, randomFloats(new Random(step % 4), (int) xShape.size()),
                            xShape, target, yShape);
                    if (step == 0) {
                        first = last;
                    }
                }
                assertTrue(last < first, "loss should fall: " + first + " -> " + last);
            }
            assertArrayEquals(w, lora.getBaseWeight().getArray().toFloatArray(), "W must be bitwise unchanged");
            assertArrayEquals(b, lora.getBaseBias().getArray().toFloatArray(), "b must be bitwise unchanged");
            assertArrayEquals(a0, lora.getLoraA("task0").getArray().toFloatArray(), "frozen A changed");
            assertArrayEquals(b0, lora.getLoraB("task0").getArray().toFloatArray(), "frozen B changed");
            assertFalse(java.util.Arrays.equals(a1, lora.getLoraA("task1").getArray().toFloatArray()));
            assertFalse(java.util.Arrays.equals(b1, lora.getLoraB("task1").getArray().toFloatArray()));
            assertNotEquals(0f, lora.getLoraB("task1").getArray().abs().sum().getFloat());
        }
    }
}
