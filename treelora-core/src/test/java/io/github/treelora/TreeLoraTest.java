package io.github.treelora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.vector.FloatVectorOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The facade over a scripted task stream with plain float vectors. */
class TreeLoraTest {

    private static final int LAYERS = 3;
    private static final int DIM = 16;

    /** Gradient "directions" per task: tasks 0 and 2 share one, task 1 differs. */
    private static float[][] direction(int task, long seed) {
        Random r = new Random(task == 2 ? seed : seed + task);
        float[][] d = new float[LAYERS][DIM];
        for (float[] layer : d) {
            for (int i = 0; i < DIM; i++) {
                layer[i] = (float) r.nextGaussian();
            }
        }
        return d;
    }

    private static List<float[]> noisy(float[][] base, Random r) {
        List<float[]> out = new ArrayList<>();
        for (float[] layer : base) {
            float[] v = layer.clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (0.1 * r.nextGaussian());
            }
            out.add(v);
        }
        return out;
    }

    @Test
    void paperPresetTiesTask2ToTask0WithTheSpecifiedStrength() {
        TreeLoraConfig config = TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).build();
        TreeLora<float[]> tl = new TreeLora<>(config, FloatVectorOps.INSTANCE, LAYERS);
        Random noise = new Random(3);
        int steps = 60;
        int picksOfTask0 = 0;
        int picks = 0;
        for (int task = 0; task < 3; task++) {
            float[][] dir = direction(task, 11);
            tl.startTask(task);
            tl.startEpoch(steps);
            for (int s = 0; s < steps; s++) {
                List<float[]> g = noisy(dir, noise);
                List<float[]> before = g.stream().map(float[]::clone).toList();
                StepReport rep = tl.step(g, noisy(dir, noise), 1.0);
                if (task == 0) {
                    assertFalse(rep.selected(), "nothing to select during the first task");
                    continue;
                }
                for (int l = 0; l < LAYERS; l++) {
                    // The added term is lambda * |g| / |v| * v: its norm is lambda * |g|.
                    float[] added = g.get(l).clone();
                    FloatVectorOps.INSTANCE.axpy(-1, before.get(l), added);
                    double expected = 0.1 * FloatVectorOps.INSTANCE.l2Norm(before.get(l));
                    assertEquals(expected, FloatVectorOps.INSTANCE.l2Norm(added), 1e-4 * expected);
                    if (task == 2 && s >= 2) {
                        picks++;
                        picksOfTask0 += rep.selectedTasks()[l] == 0 ? 1 : 0;
                    }
                }
            }
            tl.finishTask();
        }
        assertTrue(picksOfTask0 > 0.8 * picks, "task 0 picked " + picksOfTask0 + " of " + picks);
        assertEquals(3, tl.memory().size());
        assertEquals(List.of(0, 1, 2), tl.tree().root().taskIds());
    }

    @Test
    void referencePresetStoresTheLastEpochMeanOfValues() {
        TreeLora<float[]> tl = new TreeLora<>(TreeLoraConfig.of(Preset.REFERENCE), FloatVectorOps.INSTANCE, 1);
        tl.startTask(0);
        tl.startEpoch(2);
        tl.step(List.of(new float[] {9}), List.of(new float[] {100}), 1.0);
        tl.step(List.of(new float[] {9}), List.of(new float[] {100}), 1.0);
        tl.startEpoch(2);
        tl.step(List.of(new float[] {9}), List.of(new float[] {1}), 1.0);
        tl.step(List.of(new float[] {9}), List.of(new float[] {3}), 1.0);
        tl.finishTask();
        assertArrayEquals(new float[] {2}, tl.memory().slots().get(0).vectors().get(0), 0f);
    }

    @Test
    void referenceLayerFactorIsOffByDefaultAndScalesWhenOn() {
        TreeLoraConfig on = TreeLoraConfig.builder(Preset.REFERENCE).referenceLayerFactor(true).build();
        assertFalse(TreeLoraConfig.of(Preset.REFERENCE).referenceLayerFactor());
        TreeLora<float[]> tl = new TreeLora<>(on, FloatVectorOps.INSTANCE, 2);
        tl.startTask(0);
        tl.startEpoch(1);
        tl.step(List.of(new float[1], new float[1]), List.of(new float[] {1}, new float[] {2}), 1.0);
        tl.finishTask();
        assertArrayEquals(new float[] {2}, tl.memory().slots().get(0).vectors().get(0), 0f);
        assertArrayEquals(new float[] {4}, tl.memory().slots().get(0).vectors().get(1), 0f);
    }

    @Test
    void nonFiniteLossIsRejectedAndGradientsStayUnchanged() {
        TreeLora<float[]> tl = new TreeLora<>(TreeLoraConfig.of(Preset.PAPER), FloatVectorOps.INSTANCE, 1);
        tl.startTask(0);
        tl.startEpoch(1);
        tl.step(List.of(new float[] {1}), List.of(new float[] {1}), 1.0);
        tl.finishTask();
        tl.startTask(1);
        tl.startEpoch(1);
        float[] g = {5};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tl.step(List.of(g), List.of(new float[] {1}), Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertArrayEquals(new float[] {5}, g, 0f);
    }

    @Test
    void callOrderIsEnforced() {
        TreeLora<float[]> tl = new TreeLora<>(TreeLoraConfig.of(Preset.PAPER), FloatVectorOps.INSTANCE, 1);
        assertThrows(IllegalStateException.class, () -> tl.startEpoch(1));
        tl.startTask(0);
        assertThrows(IllegalStateException.class,
                () -> tl.step(List.of(new float[1]), List.of(new float[1]), 1.0));
        assertThrows(IllegalStateException.class, tl::finishTask);
        assertThrows(IllegalStateException.class, () -> tl.startTask(1));
        assertNull(tl.tree());
    }
}
