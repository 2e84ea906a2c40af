package io.github.treelora.bandit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.Vectors;
import io.github.treelora.tree.SplitRule;
import io.github.treelora.tree.TaskTree;
import io.github.treelora.vector.FloatVectorOps;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Behaviour of the PAPER selector on simulated bandits (observations are distances: lower is better). */
class LcbTreeSelectorTest {

    /** A tree over n tasks with random 4-dimensional vectors on each of L layers. */
    static TaskTree randomTree(int n, int layers, long seed) {
        Random r = new Random(seed);
        float[][][] v = new float[n][layers][4];
        for (float[][] task : v) {
            for (float[] layer : task) {
                for (int i = 0; i < layer.length; i++) {
                    layer[i] = (float) r.nextGaussian();
                }
            }
        }
        return TaskTree.build(FloatVectorOps.INSTANCE, Vectors.slots(v), SplitRule.PAPER, layers);
    }

    @Test
    void pullsEveryArmOnceFirst() {
        int n = 13;
        int layers = 3;
        LcbTreeSelector s = new LcbTreeSelector(2.0);
        s.startTask(randomTree(n, layers, 1), layers);
        s.startEpoch(100);
        int[][] counts = new int[layers][n];
        for (int step = 0; step < n; step++) {
            int[] arms = s.select();
            double[] d = new double[layers];
            for (int l = 0; l < layers; l++) {
                counts[l][arms[l]]++;
                d[l] = 1.0;
            }
            s.observe(arms, d);
        }
        for (int l = 0; l < layers; l++) {
            int[] ones = new int[n];
            java.util.Arrays.fill(ones, 1);
            assertArrayEquals(ones, counts[l], "layer " + l + ": each arm exactly once in the first n steps");
        }
    }

    @Test
    void picksTheClearlyClosestArmInAtLeast90PercentOfSteps() {
        int n = 10;
        int layers = 4;
        int best = 6;
        Random noise = new Random(42);
        LcbTreeSelector s = new LcbTreeSelector(2.0);
        s.startTask(randomTree(n, layers, 2), layers);
        s.startEpoch(1000);
        int steps = 1000;
        int bestPicks = 0;
        int counted = 0;
        for (int step = 0; step < steps; step++) {
            int[] arms = s.select();
            double[] d = new double[layers];
            for (int l = 0; l < layers; l++) {
                double mean = arms[l] == best ? 1.0 : 3.0;
                d[l] = Math.max(0, mean + 0.3 * noise.nextGaussian());
                if (step >= n) {
                    counted++;
                    bestPicks += arms[l] == best ? 1 : 0;
                }
            }
            s.observe(arms, d);
        }
        double rate = bestPicks / (double) counted;
        assertTrue(rate >= 0.9, "closest arm picked in " + rate + " of steps after the initial pulls");
    }

    @Test
    void regretOver10000StepsWith50ArmsGrowsSublinearly() {
        int n = 50;
        Random r = new Random(7);
        double[] means = new double[n];
        double bestMean = Double.POSITIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            means[k] = 1.0 + 2.0 * r.nextDouble();
            bestMean = Math.min(bestMean, means[k]);
        }
        LcbTreeSelector s = new LcbTreeSelector(2.0);
        s.startTask(randomTree(n, 1, 3), 1);
        s.startEpoch(10_000);
        double firstHalf = 0;
        double secondHalf = 0;
        for (int step = 0; step < 10_000; step++) {
            int arm = s.select()[0];
            double gap = means[arm] - bestMean;
            if (step < 5_000) {
                firstHalf += gap;
            } else {
                secondHalf += gap;
            }
            s.observe(new int[] {arm}, new double[] {Math.max(0, means[arm] + 0.5 * r.nextGaussian())});
        }
        assertTrue(secondHalf < firstHalf,
                "regret in the second half (" + secondHalf + ") must be below the first half (" + firstHalf + ")");
        // Linear regret of a uniformly random policy for comparison: mean gap times steps.
        double meanGap = java.util.Arrays.stream(means).average().orElseThrow() - bestMean;
        assertTrue(firstHalf + secondHalf < 0.5 * meanGap * 10_000, "total regret far below random play");
    }

    @Test
    void lcbFollowsTheFormula() {
        LcbTreeSelector s = new LcbTreeSelector(2.0);
        s.startTask(randomTree(3, 1, 4), 1);
        s.startEpoch(10);
        for (int i = 0; i < 3; i++) {
            s.observe(s.select(), new double[] {i + 1.0});
        }
        // Every arm pulled once; arm 0 observed 1.0 (first select picks arm 0: lowest id among unpulled).
        // t = 3 steps so far: LCB = mu - 2 * sqrt(ln 3 / 1).
        double expected = 1.0 - 2.0 * Math.sqrt(Math.log(3));
        assertEquals(expected, s.lcb(0, 0), 1e-12);
    }

    @Test
    void restoredStateContinuesIdentically() {
        int layers = 2;
        TaskTree tree = randomTree(6, layers, 5);
        LcbTreeSelector a = new LcbTreeSelector(2.0);
        a.startTask(tree, layers);
        a.startEpoch(50);
        Random r = new Random(9);
        for (int i = 0; i < 20; i++) {
            int[] arms = a.select();
            a.observe(arms, new double[] {r.nextDouble() + arms[0], r.nextDouble() + arms[1]});
        }
        LcbTreeSelector b = new LcbTreeSelector(2.0);
        b.startTask(tree, layers);
        b.restore(a.state());
        for (int i = 0; i < 20; i++) {
            int[] x = a.select();
            int[] y = b.select();
            assertArrayEquals(x, y);
            double[] d = {r.nextDouble(), r.nextDouble()};
            a.observe(x, d);
            b.observe(y, d);
        }
    }

    @Test
    void rejectsBadObservations() {
        LcbTreeSelector s = new LcbTreeSelector(2.0);
        assertThrows(IllegalStateException.class, s::select);
        s.startTask(randomTree(3, 1, 6), 1);
        int[] arms = s.select();
        assertThrows(IllegalArgumentException.class, () -> s.observe(arms, new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> s.observe(new int[] {7}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new LcbTreeSelector(-1));
    }
}
