package io.github.treelora.memory;

import io.github.treelora.vector.VectorOps;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The running mean, per adapted layer, of the current task's vectors (c[l] in the spec): LoRA A
 * gradients for the PAPER preset, LoRA A values for the REFERENCE preset.
 *
 * <p>Updates happen in place on vectors created through the {@link VectorOps}, so a device binding
 * keeps them on the device.
 *
 * @param <V> vector type
 */
public final class TaskVectorAccumulator<V> {

    private final VectorOps<V> ops;
    private final int numLayers;
    private final List<V> means = new ArrayList<>();
    private long count;

    /**
     * An empty accumulator.
     *
     * @param ops vector arithmetic
     * @param numLayers number of adapted layers, at least 1
     */
    public TaskVectorAccumulator(VectorOps<V> ops, int numLayers) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + numLayers);
        }
        this.ops = ops;
        this.numLayers = numLayers;
    }

    /**
     * Folds one step's per-layer vectors into the running means.
     *
     * @param layerVectors one vector per layer, in layer order; not retained
     */
    public void add(List<V> layerVectors) {
        if (layerVectors.size() != numLayers) {
            throw new IllegalArgumentException(
                    "expected " + numLayers + " layer vectors, got " + layerVectors.size());
        }
        if (count == 0) {
            for (V v : layerVectors) {
                means.add(ops.copy(v));
            }
            count = 1;
            return;
        }
        for (int l = 0; l < numLayers; l++) {
            V mean = means.get(l);
            V x = layerVectors.get(l);
            if (ops.length(x) != ops.length(mean)) {
                throw new IllegalArgumentException("layer " + l + " vector length changed from "
                        + ops.length(mean) + " to " + ops.length(x));
            }
        }
        count++;
        for (int l = 0; l < numLayers; l++) {
            ops.updateRunningMean(means.get(l), layerVectors.get(l), count);
        }
    }

    /**
     * Number of steps folded in since the last reset.
     *
     * @return the count
     */
    public long count() {
        return count;
    }

    /**
     * The current means (live views; do not modify).
     *
     * @return one vector per layer, empty before the first {@link #add}
     */
    public List<V> means() {
        return Collections.unmodifiableList(means);
    }

    /**
     * Hands the means to the caller (who then owns them) and resets this accumulator.
     *
     * @return one vector per layer
     * @throws IllegalStateException if nothing was added
     */
    public List<V> takeMeans() {
        if (count == 0) {
            throw new IllegalStateException("no step was accumulated for the current task");
        }
        List<V> out = List.copyOf(means);
        means.clear();
        count = 0;
        return out;
    }

    /**
     * Restores a saved state (for resuming).
     *
     * @param savedMeans one vector per layer (ownership passes to this object), or empty
     * @param savedCount the saved count, 0 if and only if {@code savedMeans} is empty
     */
    public void restore(List<V> savedMeans, long savedCount) {
        if ((savedCount == 0) != savedMeans.isEmpty()
                || (!savedMeans.isEmpty() && savedMeans.size() != numLayers)) {
            throw new IllegalArgumentException("inconsistent accumulator state: count " + savedCount
                    + " with " + savedMeans.size() + " layer vectors (expected " + numLayers + ")");
        }
        reset();
        means.addAll(savedMeans);
        count = savedCount;
    }

    /** Drops the means (start of a task, or of an epoch for the REFERENCE preset). */
    public void reset() {
        for (V v : means) {
            ops.release(v);
        }
        means.clear();
        count = 0;
    }
}
