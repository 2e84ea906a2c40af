package io.github.treelora.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.Vectors;
import io.github.treelora.vector.FloatVectorOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Structural properties of the task tree over random task vectors, for both split rules. */
class TaskTreeProperties {

    @Property(tries = 300)
    void everyTaskInExactlyOneLeafAndDepthWithinLimit(
            @ForAll @IntRange(min = 1, max = 24) int tasks,
            @ForAll @IntRange(min = 1, max = 6) int layers,
            @ForAll @IntRange(min = 1, max = 5) int dim,
            @ForAll @IntRange(min = 0, max = 8) int maxDepth,
            @ForAll boolean paper,
            @ForAll long seed) {
        float[][][] v = randomVectors(tasks, layers, dim, seed);
        SplitRule rule = paper ? SplitRule.PAPER : SplitRule.REFERENCE;
        TaskTree tree = TaskTree.build(FloatVectorOps.INSTANCE, Vectors.slots(v), rule, maxDepth);
        int limit = Math.min(maxDepth, layers);

        int[] seen = new int[tasks];
        for (TreeNode n : tree.nodes()) {
            assertTrue(n.depth() <= limit, "depth " + n.depth() + " exceeds limit " + limit);
            if (n.isLeaf()) {
                assertTrue(n.slotCount() <= 1 || n.depth() == limit,
                        "a leaf with several tasks must sit at the depth limit");
                for (int s : n.slots()) {
                    seen[s]++;
                }
            } else {
                assertTrue(n.left().slotCount() > 0 && n.right().slotCount() > 0, "children are non-empty");
                int[] union = concat(n.left().slots(), n.right().slots());
                Arrays.sort(union);
                int[] own = n.slots();
                Arrays.sort(own);
                assertArrayEquals(own, union, "children partition the parent");
            }
        }
        for (int t = 0; t < tasks; t++) {
            assertEquals(1, seen[t], "task " + t + " must be in exactly one leaf");
            int[] path = tree.pathTo(t);
            assertEquals(0, path[0]);
            assertTrue(tree.leafOf(t).isLeaf());
        }
    }

    @Property(tries = 200)
    void paperSplitsPutNearTasksLeft(
            @ForAll @IntRange(min = 3, max = 16) int tasks,
            @ForAll @IntRange(min = 1, max = 4) int dim,
            @ForAll long seed) {
        float[][][] v = randomVectors(tasks, 1, dim, seed);
        TreeNode root = TaskTree.build(FloatVectorOps.INSTANCE, Vectors.slots(v), SplitRule.PAPER, 1).root();
        List<float[]> layer0 = new ArrayList<>();
        for (float[][] task : v) {
            layer0.add(task[0]);
        }
        float[] mean = FloatVectorOps.INSTANCE.mean(layer0);
        List<Integer> expectedLeft = new ArrayList<>();
        double[] s = new double[tasks];
        for (int t = 0; t < tasks; t++) {
            s[t] = FloatVectorOps.INSTANCE.l1Distance(v[t][0], mean);
        }
        double median = TaskTree.median(s);
        for (int t = 0; t < tasks; t++) {
            if (s[t] <= median) {
                expectedLeft.add(t);
            }
        }
        if (expectedLeft.size() == tasks) {
            expectedLeft = new ArrayList<>();
            for (int t = 0; t < tasks / 2; t++) {
                expectedLeft.add(t);
            }
        }
        assertEquals(median, root.threshold(), 1e-4 * Math.max(1, median));
        assertEquals(expectedLeft, root.left().taskIds());
    }

    private static float[][][] randomVectors(int tasks, int layers, int dim, long seed) {
        Random r = new Random(seed);
        float[][][] v = new float[tasks][layers][dim];
        for (float[][] task : v) {
            for (float[] layer : task) {
                for (int i = 0; i < dim; i++) {
                    // Small integers give many ties, which exercises the fallbacks.
                    layer[i] = r.nextBoolean() ? r.nextInt(3) : (float) r.nextGaussian();
                }
            }
        }
        return v;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
