package io.github.treelora.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.treelora.vector.FloatVectorOps;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Task memory, running means and the storage budget (docs/algorithm.md, "Task memory"). */
class TaskMemoryTest {

    private static final FloatVectorOps OPS = FloatVectorOps.INSTANCE;

    @Test
    void overBudgetMergesTheTwoClosestEntriesWeightedBySampleCount() {
        TaskMemory<float[]> m = new TaskMemory<>(OPS, 2, StorageBudget.ofSlots(2));
        m.add(0, List.of(new float[] {0}, new float[] {0}), 1);
        m.add(1, List.of(new float[] {10}, new float[] {10}), 1);
        m.add(2, List.of(new float[] {1}, new float[] {2}), 3);
        // Distances: (0,1) = 20, (0,2) = 3, (1,2) = 17 -> merge 0 and 2 with weights 1 and 3.
        assertEquals(2, m.size());
        MemorySlot<float[]> merged = m.slots().get(0);
        assertEquals(List.of(0, 2), merged.taskIds());
        assertEquals(4, merged.sampleCount());
        assertArrayEquals(new float[] {0.75f}, merged.vectors().get(0), 1e-6f);
        assertArrayEquals(new float[] {1.5f}, merged.vectors().get(1), 1e-6f);
        assertEquals(List.of(1), m.slots().get(1).taskIds());
    }

    @Test
    void byteBudgetCountsFloat32() {
        // Each entry: 2 layers x 3 floats = 24 bytes; 50 bytes hold two entries.
        TaskMemory<float[]> m = new TaskMemory<>(OPS, 2, StorageBudget.ofBytes(50));
        for (int t = 0; t < 4; t++) {
            m.add(t, List.of(new float[] {t, t, t}, new float[] {t, 0, 0}), 1);
        }
        assertEquals(2, m.size());
    }

    @Test
    void rejectsDuplicatesAndShapeChanges() {
        TaskMemory<float[]> m = new TaskMemory<>(OPS, 1, StorageBudget.UNLIMITED);
        m.add(0, List.of(new float[] {1, 2}), 1);
        assertThrows(IllegalArgumentException.class, () -> m.add(0, List.of(new float[] {1, 2}), 1));
        assertThrows(IllegalArgumentException.class, () -> m.add(1, List.of(new float[] {1}), 1));
        assertThrows(IllegalArgumentException.class, () -> m.add(1, List.of(new float[2], new float[2]), 1));
        assertThrows(IllegalArgumentException.class, () -> StorageBudget.ofSlots(0));
    }

    @Test
    void accumulatorKeepsTheRunningMean() {
        TaskVectorAccumulator<float[]> acc = new TaskVectorAccumulator<>(OPS, 1);
        acc.add(List.of(new float[] {1, 10}));
        acc.add(List.of(new float[] {2, 20}));
        acc.add(List.of(new float[] {6, 0}));
        assertEquals(3, acc.count());
        assertArrayEquals(new float[] {3, 10}, acc.means().get(0), 1e-6f);
        List<float[]> taken = acc.takeMeans();
        assertEquals(0, acc.count());
        assertArrayEquals(new float[] {3, 10}, taken.get(0), 1e-6f);
        assertThrows(IllegalStateException.class, acc::takeMeans);
        assertThrows(IllegalArgumentException.class, () -> acc.add(List.of(new float[1], new float[1])));
    }
}
