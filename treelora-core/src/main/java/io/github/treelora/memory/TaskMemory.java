package io.github.treelora.memory;

import io.github.treelora.vector.VectorOps;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * The stored per-layer vectors of finished tasks (v[k][l] in the spec), under a {@link StorageBudget}.
 *
 * <p>When adding a task exceeds the budget, the two closest entries (smallest L1 distance summed over
 * layers) are merged into one entry: the sample-count-weighted mean of their vectors, remembering both
 * sets of task ids. Entries stay ordered by their first task id, which is the order the REFERENCE tree
 * rule differences them in.
 *
 * @param <V> vector type
 */
public final class TaskMemory<V> {

    private final VectorOps<V> ops;
    private final int numLayers;
    private final StorageBudget budget;
    private final List<MemorySlot<V>> slots = new ArrayList<>();

    /**
     * An empty memory.
     *
     * @param ops vector arithmetic
     * @param numLayers adapted layers per task, at least 1
     * @param budget storage limit
     */
    public TaskMemory(VectorOps<V> ops, int numLayers, StorageBudget budget) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + numLayers);
        }
        this.ops = ops;
        this.numLayers = numLayers;
        this.budget = budget;
    }

    /**
     * Stores a finished task's vectors, merging the closest entries while over budget.
     *
     * @param taskId id of the finished task, not already stored
     * @param vectors one vector per layer; ownership passes to the memory
     * @param sampleCount merge weight (samples or steps seen), at least 1
     */
    public void add(int taskId, List<V> vectors, long sampleCount) {
        if (vectors.size() != numLayers) {
            throw new IllegalArgumentException(
                    "task " + taskId + ": expected " + numLayers + " layer vectors, got " + vectors.size());
        }
        for (MemorySlot<V> s : slots) {
            if (s.taskIds().contains(taskId)) {
                throw new IllegalArgumentException("task " + taskId + " is already stored");
            }
            for (int l = 0; l < numLayers; l++) {
                int expected = ops.length(s.vectors().get(l));
                int got = ops.length(vectors.get(l));
                if (expected != got) {
                    throw new IllegalArgumentException("task " + taskId + ", layer " + l
                            + ": vector length " + got + " differs from stored length " + expected);
                }
            }
        }
        insertOrdered(new MemorySlot<>(List.of(taskId), vectors, sampleCount));
        while (slots.size() > 1 && budget.exceededBy(slots.size(), floatsPerSlot())) {
            mergeClosestPair();
        }
    }

    /**
     * Replaces the whole content (for loading saved state).
     *
     * @param restored entries in order; ownership passes to the memory
     */
    public void restore(List<MemorySlot<V>> restored) {
        clear();
        for (MemorySlot<V> s : restored) {
            if (s.vectors().size() != numLayers) {
                throw new IllegalArgumentException("restored slot for tasks " + s.taskIds() + " has "
                        + s.vectors().size() + " layers, expected " + numLayers);
            }
            insertOrdered(s);
        }
    }

    /**
     * The stored entries, ordered by first task id (read-only view).
     *
     * @return the slots
     */
    public List<MemorySlot<V>> slots() {
        return Collections.unmodifiableList(slots);
    }

    /**
     * Number of stored entries (bandit arms).
     *
     * @return slot count
     */
    public int size() {
        return slots.size();
    }

    /**
     * Adapted layers per entry.
     *
     * @return L
     */
    public int numLayers() {
        return numLayers;
    }

    /**
     * The storage budget.
     *
     * @return budget
     */
    public StorageBudget budget() {
        return budget;
    }

    /**
     * The vector arithmetic the vectors belong to.
     *
     * @return ops
     */
    public VectorOps<V> ops() {
        return ops;
    }

    /** Releases every stored vector. */
    public void clear() {
        for (MemorySlot<V> s : slots) {
            s.vectors().forEach(ops::release);
        }
        slots.clear();
    }

    private long floatsPerSlot() {
        long n = 0;
        for (V v : slots.get(0).vectors()) {
            n += ops.length(v);
        }
        return n;
    }

    private void insertOrdered(MemorySlot<V> slot) {
        int pos = 0;
        while (pos < slots.size() && slots.get(pos).firstTaskId() < slot.firstTaskId()) {
            pos++;
        }
        slots.add(pos, slot);
    }

    private void mergeClosestPair() {
        int bestI = -1;
        int bestJ = -1;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < slots.size(); i++) {
            for (int j = i + 1; j < slots.size(); j++) {
                double d = 0;
                for (int l = 0; l < numLayers; l++) {
                    d += ops.l1Distance(slots.get(i).vectors().get(l), slots.get(j).vectors().get(l));
                }
                if (d < best) {
                    best = d;
                    bestI = i;
                    bestJ = j;
                }
            }
        }
        MemorySlot<V> a = slots.get(bestI);
        MemorySlot<V> b = slots.get(bestJ);
        List<V> merged = new ArrayList<>(numLayers);
        for (int l = 0; l < numLayers; l++) {
            merged.add(ops.weightedMean(
                    a.vectors().get(l), a.sampleCount(), b.vectors().get(l), b.sampleCount()));
        }
        TreeSet<Integer> ids = new TreeSet<>(a.taskIds());
        ids.addAll(b.taskIds());
        slots.remove(bestJ);
        slots.remove(bestI);
        a.vectors().forEach(ops::release);
        b.vectors().forEach(ops::release);
        insertOrdered(new MemorySlot<>(new ArrayList<>(ids), merged, a.sampleCount() + b.sampleCount()));
    }
}
