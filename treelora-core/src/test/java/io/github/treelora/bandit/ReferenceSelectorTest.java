package io.github.treelora.bandit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.Vectors;
import io.github.treelora.tree.SplitRule;
import io.github.treelora.tree.TaskTree;
import io.github.treelora.vector.FloatVectorOps;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The REFERENCE policy against its formula on a hand-built case with a fixed seed (docs/algorithm.md, "Task
 * selection"). */
class ReferenceSelectorTest {

    /**
     * Three tasks, two layers. Layer 0: v = 1, 3, 2, differenced u = 1, 2, -1, m = 2/3, s = 2/3, 4/3, -2/3,
     * lower median 2/3: root left {0,1}, right {2} (a leaf). Layer 1: v = 0, 5, 0, u = 0, 5, -5; node {0,1}:
     * m = 2.5, s = 0, 12.5, lower median 0, both left -> halves; its threshold is 0.
     */
    static TaskTree tree() {
        return TaskTree.build(FloatVectorOps.INSTANCE,
                Vectors.scalarSlots(new double[][] {{1, 0}, {3, 5}, {2, 0}}), SplitRule.REFERENCE, 5);
    }

    @Test
    void treeOfTheHandCaseIsAsComputed() {
        TaskTree t = tree();
        assertEquals(2.0 / 3.0, t.root().threshold(), 1e-6);
        assertEquals(java.util.List.of(0, 1), t.root().left().taskIds());
        assertTrue(t.root().right().isLeaf());
        assertEquals(0.0, t.root().left().threshold(), 0.0);
    }

    @Test
    void oneStepFollowsTheFormula() {
        long seed = 1234;
        ReferenceSelector s = new ReferenceSelector(seed);
        s.startTask(tree(), 2);
        s.startEpoch(4);
        // State at 0-based step t = 1 of an epoch of T = 4 steps.
        long[][] pulls = {{2, 1}, {1, 0}, {0, 3}};
        double[][] sums = {{4.0, 1.0}, {3.0, 0.0}, {0.0, 1.5}};
        s.restore(new SelectorState(pulls, sums, 1, 4, seed));

        // 1. score = mean + sqrt(ln(2*T*(t+1)*(t+2))) / sqrt(2n + 1e-5), with ln(2*4*2*3) = ln 48.
        double b = Math.sqrt(Math.log(48));
        double[][] score = {
            {4.0 / 2 + b / Math.sqrt(4 + 1e-5), 1.0 / 1 + b / Math.sqrt(2 + 1e-5)},
            {3.0 / 1 + b / Math.sqrt(2 + 1e-5), 0.0 + b / Math.sqrt(1e-5)},
            {0.0 + b / Math.sqrt(1e-5), 1.5 / 3 + b / Math.sqrt(6 + 1e-5)},
        };
        // 2. add the minimum, which is score[2][1] = 0.5 + b / sqrt(6) (about 1.30; b is about 1.97).
        double min = score[2][1];
        for (double[] row : score) {
            for (double v : row) {
                assertTrue(v >= min);
            }
        }
        for (double[] row : score) {
            row[0] += min;
            row[1] += min;
        }
        // 3. draw f from softmax of the task sums with the first uniform of the seeded stream.
        SeededRandom u = new SeededRandom(seed);
        double[] taskSum = {score[0][0] + score[0][1], score[1][0] + score[1][1], score[2][0] + score[2][1]};
        int f = inverseCdf(softmax(taskSum), u.nextDouble());
        // 4. the root child holding f: {0,1} has threshold 0 -> factor min(0, 1.5) = 0; {2} is a leaf -> 1.
        if (f <= 1) {
            Arrays.fill(score[0], 0.0);
            Arrays.fill(score[1], 0.0);
        }
        // 5. divide by max - min + 1e-5.
        double max = Arrays.stream(score).flatMapToDouble(Arrays::stream).max().orElseThrow();
        double lo = Arrays.stream(score).flatMapToDouble(Arrays::stream).min().orElseThrow();
        double range = max - lo + 1e-5;
        // 6. one draw per layer from softmax over tasks of that layer's column.
        int[] expected = new int[2];
        for (int l = 0; l < 2; l++) {
            double[] col = {score[0][l] / range, score[1][l] / range, score[2][l] / range};
            expected[l] = inverseCdf(softmax(col), u.nextDouble());
        }
        assertArrayEquals(expected, s.select());
    }

    @Test
    void sameSeedSameChoicesAndStatisticsResetEachEpoch() {
        ReferenceSelector a = new ReferenceSelector(99);
        ReferenceSelector b = new ReferenceSelector(99);
        ReferenceSelector c = new ReferenceSelector(100);
        for (ReferenceSelector s : new ReferenceSelector[] {a, b, c}) {
            s.startTask(tree(), 2);
            s.startEpoch(30);
        }
        boolean differs = false;
        for (int i = 0; i < 30; i++) {
            int[] x = a.select();
            int[] y = b.select();
            int[] z = c.select();
            assertArrayEquals(x, y);
            differs |= !Arrays.equals(x, z);
            double[] d = {x[0] + 0.5, x[1] + 0.25};
            a.observe(x, d);
            b.observe(y, d);
            c.observe(z, new double[] {1, 1});
        }
        assertTrue(differs, "a different seed gives a different stream");
        assertTrue(Arrays.stream(a.state().pulls()).flatMapToLong(Arrays::stream).sum() == 60);
        a.startEpoch(30);
        assertEquals(0, Arrays.stream(a.state().pulls()).flatMapToLong(Arrays::stream).sum());
        assertEquals(0, a.state().step());
    }

    @Test
    void needsAnEpochBeforeSelecting() {
        ReferenceSelector s = new ReferenceSelector(1);
        s.startTask(tree(), 2);
        assertThrows(IllegalStateException.class, s::select);
        assertFalse(s.policy() == SelectorPolicy.PAPER);
    }

    private static double[] softmax(double[] x) {
        double m = Arrays.stream(x).max().orElseThrow();
        double[] e = Arrays.stream(x).map(v -> Math.exp(v - m)).toArray();
        double z = Arrays.stream(e).sum();
        return Arrays.stream(e).map(v -> v / z).toArray();
    }

    private static int inverseCdf(double[] p, double u) {
        double acc = 0;
        for (int i = 0; i < p.length; i++) {
            acc += p[i];
            if (u < acc) {
                return i;
            }
        }
        return p.length - 1;
    }
}
