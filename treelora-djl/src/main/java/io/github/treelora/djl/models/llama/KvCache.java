package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of earlier positions, per layer, for incremental decoding, plus the attention mask of
 * those positions (so padded batches keep their padding and position ids).
 *
 * <p>Arrays live in the cache's own sub-manager, so the per-step managers of a generation loop can be closed
 * after each step. Not thread-safe. Close the cache to free its arrays.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private NDArray mask;
    private long length;

    /**
     * Creates an empty cache.
     *
     * @param parent manager whose sub-manager will own the cached arrays (same device as the model)
     * @param layers number of decoder layers
     */
    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /**
     * Number of cached positions.
     *
     * @return cached sequence length (including padding positions)
     */
    public long length() {
        return length;
    }

    /** The cached attention mask {@code [B, P]}, or {@code null} while empty. */
    NDArray mask() {
        return mask;
    }

    /**
     * Appends new keys/values of one layer and returns the full ones.
     *
     * @param layer layer index
     * @param k rotated keys {@code [B, KV, T, D]}
     * @param v values {@code [B, KV, T, D]}
     * @return {@code {keys, values}} over {@code P + T} positions
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray kAll = keys[layer] == null ? k : keys[layer].concat(k, 2);
        NDArray vAll = values[layer] == null ? v : values[layer].concat(v, 2);
        replace(keys, layer, kAll);
        replace(values, layer, vAll);
        return new NDArray[] {kAll, vAll};
    }

    /** Records the mask over all positions after every layer has appended. */
    void commit(NDArray fullMask) {
        // A copy: the given mask may be the caller's own input array.
        NDArray copy = fullMask.duplicate();
        copy.attach(manager);
        NDArray old = mask;
        mask = copy;
        if (old != null) {
            old.close();
        }
        length = fullMask.getShape().get(1);
    }

    private void replace(NDArray[] slot, int layer, NDArray next) {
        NDArray old = slot[layer];
        if (old == next) {
            return;
        }
        // Keep the result alive past the step's manager; the previous array was only an input to the concat.
        next.attach(manager);
        slot[layer] = next;
        if (old != null) {
            old.close();
        }
    }

    /** Frees the cached arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
