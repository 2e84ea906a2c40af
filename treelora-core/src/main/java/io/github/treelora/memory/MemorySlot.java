package io.github.treelora.memory;

import java.util.List;

/**
 * One stored entry of {@link TaskMemory}: the per-layer vectors of one finished task, or of several
 * tasks merged under a storage budget. It is a bandit arm and a tree leaf element.
 *
 * @param taskIds the tasks this entry stands for, ascending (one unless merged)
 * @param vectors one vector per adapted layer, input side first
 * @param sampleCount number of training samples (or steps) behind the vectors; the merge weight
 * @param <V> vector type
 */
public record MemorySlot<V>(List<Integer> taskIds, List<V> vectors, long sampleCount) {

    /**
     * Validates and copies the lists.
     *
     * @param taskIds non-empty
     * @param vectors non-empty
     * @param sampleCount positive
     */
    public MemorySlot {
        if (taskIds.isEmpty()) {
            throw new IllegalArgumentException("a memory slot needs at least one task id");
        }
        if (vectors.isEmpty()) {
            throw new IllegalArgumentException("a memory slot needs at least one layer vector");
        }
        if (sampleCount < 1) {
            throw new IllegalArgumentException("sampleCount must be >= 1, got " + sampleCount);
        }
        taskIds = List.copyOf(taskIds);
        vectors = List.copyOf(vectors);
    }

    /**
     * The representative task id (the smallest).
     *
     * @return the first task id
     */
    public int firstTaskId() {
        return taskIds.get(0);
    }
}
