package io.github.treelora.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Metrics on hand-computed matrices (docs/algorithm.md, "Metrics"). */
class ContinualMetricsTest {

    private static final double[][] R = {
        {90, 80, 70},
        {0, 85, 75},
        {0, 0, 95},
    };

    @Test
    void threeTaskMatrix() {
        ContinualMetrics m = ContinualMetrics.of(AccuracyMatrix.of(R));
        assertEquals(3, m.tasks());
        assertEquals((70 + 75 + 95) / 3.0, m.accuracy(), 1e-12);
        assertEquals((20 + 10 + 0) / 3.0, m.backwardTransfer(), 1e-12);
        assertEquals((-20 - 10 + 0) / 3.0, m.backwardTransferPublished(), 1e-12);
        assertArrayEquals(new double[] {20, 10}, m.forgetting(), 1e-12);
        assertEquals(15, m.averageForgetting(), 1e-12);
        assertEquals(((90 - 80) + (85 - 80) + (95 - 90)) / 3.0,
                ContinualMetrics.forwardTransfer(AccuracyMatrix.of(R), new double[] {80, 80, 90}, 3), 1e-12);
    }

    @Test
    void forgettingUsesTheBestEarlierAccuracyNotTheFirst() {
        // Task 0 improves after task 1 (backward transfer) then drops: forgetting = 95 - 60.
        double[][] r = {{80, 95, 60}, {0, 70, 70}, {0, 0, 50}};
        ContinualMetrics m = ContinualMetrics.of(AccuracyMatrix.of(r));
        assertArrayEquals(new double[] {35, 0}, m.forgetting(), 1e-12);
        // BWT (paper sign): ((80 - 60) + (70 - 70) + 0) / 3; improvement never counts in the published one.
        assertEquals(20 / 3.0, m.backwardTransfer(), 1e-12);
        assertEquals(-20 / 3.0, m.backwardTransferPublished(), 1e-12);
    }

    @Test
    void partialRunUsesCompletedColumns() {
        AccuracyMatrix a = new AccuracyMatrix(3);
        a.set(0, 0, 0.9);
        a.set(0, 1, 0.6);
        a.set(1, 1, 0.8);
        assertEquals(2, a.completedTasks());
        ContinualMetrics m = ContinualMetrics.of(a);
        assertEquals(0.7, m.accuracy(), 1e-12);
        assertEquals(0.15, m.backwardTransfer(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ContinualMetrics.of(a, 3));
    }

    @Test
    void singleTaskHasNoForgetting() {
        AccuracyMatrix a = new AccuracyMatrix(1);
        a.set(0, 0, 0.5);
        ContinualMetrics m = ContinualMetrics.of(a);
        assertEquals(0, m.backwardTransfer());
        assertEquals(0, m.averageForgetting());
        assertEquals(0, m.forgetting().length);
    }

    @Test
    void badEntriesAreRejected() {
        AccuracyMatrix a = new AccuracyMatrix(2);
        assertThrows(IndexOutOfBoundsException.class, () -> a.set(1, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> a.set(0, 0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> ContinualMetrics.of(a));
        assertThrows(IllegalArgumentException.class, () -> AccuracyMatrix.of(new double[][] {{1, 2}, {3}}));
    }
}
