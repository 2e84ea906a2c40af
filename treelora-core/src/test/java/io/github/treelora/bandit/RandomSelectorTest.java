package io.github.treelora.bandit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.tree.TaskTree;
import org.junit.jupiter.api.Test;

class RandomSelectorTest {

    @Test
    void drawsEveryArmAboutEquallyOftenRegardlessOfDistances() {
        TaskTree tree = ReferenceSelectorTest.tree();
        RandomSelector s = new RandomSelector(11);
        s.startTask(tree, 2);
        s.startEpoch(1000);
        int k = tree.numSlots();
        int[][] counts = new int[k][2];
        for (int t = 0; t < 6000; t++) {
            int[] arms = s.select();
            for (int l = 0; l < 2; l++) {
                counts[arms[l]][l]++;
            }
            // arm 0 always looks closest: a bandit would prefer it, random selection must not
            s.observe(arms, new double[] {arms[0] == 0 ? 0.0 : 9.0, arms[1] == 0 ? 0.0 : 9.0});
        }
        for (int a = 0; a < k; a++) {
            for (int l = 0; l < 2; l++) {
                assertTrue(Math.abs(counts[a][l] - 6000.0 / k) < 6000.0 / k * 0.15, "arm " + a + " layer " + l
                        + ": " + counts[a][l]);
            }
        }
        assertEquals(SelectorPolicy.RANDOM, s.policy());
        assertEquals(SelectorPolicy.RANDOM, TaskSelector.create(SelectorPolicy.RANDOM, 2, 1).policy());
    }

    @Test
    void theSeedAndTheRestoredStateDecideTheDraws() {
        TaskTree tree = ReferenceSelectorTest.tree();
        RandomSelector a = new RandomSelector(3);
        RandomSelector b = new RandomSelector(3);
        RandomSelector c = new RandomSelector(4);
        for (RandomSelector s : new RandomSelector[] {a, b, c}) {
            s.startTask(tree, 2);
            s.startEpoch(10);
        }
        int[] seqA = new int[40];
        int[] seqC = new int[40];
        for (int t = 0; t < 20; t++) {
            System.arraycopy(a.select(), 0, seqA, 2 * t, 2);
            System.arraycopy(c.select(), 0, seqC, 2 * t, 2);
            b.select();
        }
        assertNotEquals(java.util.Arrays.toString(seqA), java.util.Arrays.toString(seqC));
        SelectorState saved = a.state();
        int[] next = a.select();
        RandomSelector d = new RandomSelector(99);
        d.startTask(tree, 2);
        d.restore(saved);
        assertArrayEquals(next, d.select());
        assertArrayEquals(next, b.select());
    }
}
