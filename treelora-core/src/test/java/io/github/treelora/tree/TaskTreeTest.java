package io.github.treelora.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.Vectors;
import io.github.treelora.vector.FloatVectorOps;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed split cases for both rules (docs/algorithm.md, "The tree"). */
class TaskTreeTest {

    private static final FloatVectorOps OPS = FloatVectorOps.INSTANCE;

    @Test
    void paperSplitUsesL1DistanceToMeanAndMedian() {
        // v = 0, 1, 10, 11: mean 5.5; s = 5.5, 4.5, 4.5, 5.5; median (4.5 + 5.5) / 2 = 5.
        TaskTree t = TaskTree.build(OPS, Vectors.scalarSlots(new double[][] {{0}, {1}, {10}, {11}}),
                SplitRule.PAPER, 5);
        TreeNode root = t.root();
        assertEquals(5.0, root.threshold(), 1e-12);
        assertEquals(List.of(1, 2), root.left().taskIds(), "near child: s <= t");
        assertEquals(List.of(0, 3), root.right().taskIds(), "far child: s > t");
        // One layer: the depth limit is capped at L = 1, so the children are leaves.
        assertTrue(root.left().isLeaf());
        assertEquals(1, t.maxDepth());
    }

    @Test
    void paperSplitOfTwoTasksFallsBackToHalves() {
        // Two tasks are always equidistant from their mean, so the far side is empty.
        TaskTree t = TaskTree.build(OPS, Vectors.scalarSlots(new double[][] {{3}, {7}}), SplitRule.PAPER, 5);
        assertEquals(List.of(0), t.root().left().taskIds());
        assertEquals(List.of(1), t.root().right().taskIds());
        assertEquals(2.0, t.root().threshold(), 1e-12);
    }

    @Test
    void referenceSplitDifferencesVectorsAndUsesLowerMedianOfDotProducts() {
        // v = 1, 3, 2, 6 -> u = 1, 2, -1, 4; m = 1.5; s = 1.5, 3, -1.5, 6;
        // sorted -1.5, 1.5, 3, 6: lower median 1.5; s >= 1.5 goes left in task order.
        TaskTree t = TaskTree.build(OPS, Vectors.scalarSlots(new double[][] {{1}, {3}, {2}, {6}}),
                SplitRule.REFERENCE, 5);
        assertEquals(1.5, t.root().threshold(), 1e-12);
        assertEquals(List.of(0, 1, 3), t.root().left().taskIds());
        assertEquals(List.of(2), t.root().right().taskIds());
    }

    @Test
    void referenceSplitFallsBackToHalvesWhenOneSideIsEmpty() {
        // v = 1, 1, 1 -> u = 1, 0, 0; m = 1/3; s = 1/3, 0, 0; lower median 0; every s >= 0 -> right empty.
        TaskTree t = TaskTree.build(OPS, Vectors.scalarSlots(new double[][] {{1}, {1}, {1}}),
                SplitRule.REFERENCE, 5);
        assertEquals(0.0, t.root().threshold(), 1e-12);
        assertEquals(List.of(0), t.root().left().taskIds(), "first floor(3/2) = 1 task left");
        assertEquals(List.of(1, 2), t.root().right().taskIds());
    }

    @Test
    void levelDSplitsOnLayerD() {
        // Layer 0 separates {0,1} from {2,3}; layer 1 separates 0 from 1 and 2 from 3.
        double[][] v = {{0, 0}, {0, 100}, {50, 7}, {50, 9}};
        TaskTree t = TaskTree.build(OPS, Vectors.scalarSlots(v), SplitRule.PAPER, 2);
        TreeNode root = t.root();
        // Layer 0: mean 25, all s = 25, median 25, all near -> halves {0,1} | {2,3}.
        assertEquals(List.of(0, 1), root.left().taskIds());
        assertEquals(List.of(2, 3), root.right().taskIds());
        assertEquals(50.0, root.left().threshold(), 1e-12, "layer 1 of {0,100}: s = 50, 50");
        assertEquals(1.0, root.right().threshold(), 1e-12, "layer 1 of {7,9}: s = 1, 1");
        assertEquals(2, t.height());
        assertEquals(4, t.nodes().stream().filter(TreeNode::isLeaf).count());
    }

    @Test
    void depthLimitZeroGivesSingleLeaf() {
        TaskTree t = TaskTree.build(OPS, Vectors.scalarSlots(new double[][] {{1}, {2}, {3}}), SplitRule.PAPER, 0);
        assertTrue(t.root().isLeaf());
        assertEquals(List.of(0, 1, 2), t.root().taskIds());
        assertEquals(0, t.pathTo(2).length - 1);
    }

    @Test
    void jsonHasDepthTasksThresholdAndLeafMarks() {
        TaskTree t = TaskTree.build(OPS, Vectors.scalarSlots(new double[][] {{0}, {1}, {10}, {11}}),
                SplitRule.PAPER, 5);
        JsonNode json = t.toJson();
        assertEquals(0, json.get("depth").asInt());
        assertEquals(4, json.get("tasks").size());
        assertEquals(5.0, json.get("threshold").asDouble(), 1e-12);
        assertFalse(json.has("leaf"));
        JsonNode leaf = json.get("left");
        assertTrue(leaf.get("leaf").asBoolean());
        assertEquals(1, leaf.get("depth").asInt());
        assertFalse(leaf.has("threshold"));
        assertTrue(t.toText().contains("threshold=5.00000"), t.toText());
    }

    @Test
    void rejectsEmptyTaskListAndNegativeDepth() {
        assertThrows(IllegalArgumentException.class, () -> TaskTree.build(OPS, List.of(), SplitRule.PAPER, 3));
        assertThrows(IllegalArgumentException.class,
                () -> TaskTree.build(OPS, Vectors.scalarSlots(new double[][] {{1}}), SplitRule.PAPER, -1));
    }

    @Test
    void medians() {
        assertEquals(2.5, TaskTree.median(new double[] {4, 1, 3, 2}), 0);
        assertEquals(2.0, TaskTree.lowerMedian(new double[] {4, 1, 3, 2}), 0);
        assertEquals(3.0, TaskTree.lowerMedian(new double[] {5, 1, 3}), 0);
    }
}
