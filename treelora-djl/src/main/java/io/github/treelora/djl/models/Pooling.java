package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Sequence pooling helpers for encoder outputs. */
public final class Pooling {

    private Pooling() {}

    /**
     * Mask-aware mean over the sequence axis, as sentence-transformers computes sentence embeddings:
     * {@code sum_t(h[b,t] * m[b,t]) / max(sum_t m[b,t], 1e-9)}. Padding positions do not contribute.
     *
     * @param hidden {@code [B, T, H]} token states
     * @param attentionMask {@code [B, T]} 0/1 mask (1 = real token), any numeric type
     * @return {@code [B, H]}, in {@code hidden}'s manager
     */
    public static NDArray meanPool(NDArray hidden, NDArray attentionMask) {
        if (hidden.getShape().dimension() != 3 || attentionMask.getShape().dimension() != 2
                || hidden.getShape().get(0) != attentionMask.getShape().get(0)
                || hidden.getShape().get(1) != attentionMask.getShape().get(1)) {
            throw new IllegalArgumentException("meanPool needs hidden [B, T, H] and mask [B, T], got "
                    + hidden.getShape() + " and " + attentionMask.getShape());
        }
        NDArray m = attentionMask.toType(hidden.getDataType(), false).expandDims(-1);
        NDArray sum = hidden.mul(m).sum(new int[] {1});
        NDArray count = m.sum(new int[] {1}).maximum(Ops.scalar(m, 1e-9f));
        return sum.div(count);
    }
}
