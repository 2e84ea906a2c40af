package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Next-token cross-entropy in the Hugging Face convention: position {@code t}'s logits predict label
 * {@code t + 1}; labels equal to {@link #IGNORE_INDEX} (prompt and padding) do not count; the loss is the mean
 * over counted tokens.
 */
public final class CausalLmLoss {

    /** Label value of positions that do not count (Hugging Face {@code -100}). */
    public static final long IGNORE_INDEX = -100;

    private CausalLmLoss() {}

    /**
     * Mean negative log-likelihood of the labelled tokens; differentiable with respect to {@code logits}.
     *
     * @param logits {@code [B, T, V]} float32
     * @param labels {@code [B, T]} integer labels, {@link #IGNORE_INDEX} or in {@code [0, V)}
     * @return scalar loss in the manager of {@code logits}
     * @throws IllegalArgumentException on shape mismatch, a label out of range, or no counted token
     */
    public static NDArray compute(NDArray logits, NDArray labels) {
        Shape ls = logits.getShape();
        if (ls.dimension() != 3 || !labels.getShape().equals(ls.slice(0, 2))) {
            throw new IllegalArgumentException(
                    "logits must be [B, T, V] and labels [B, T]; got " + ls + " and " + labels.getShape());
        }
        long vocab = ls.get(2);
        long[] values = labels.toType(DataType.INT64, false).toLongArray();
        long t = ls.get(1);
        long counted = 0;
        for (int i = 0; i < values.length; i++) {
            long v = values[i];
            if (v != IGNORE_INDEX && (v < 0 || v >= vocab)) {
                throw new IllegalArgumentException("label " + v + " at flat index " + i + " is outside [0, "
                        + vocab + ") and is not " + IGNORE_INDEX);
            }
            if (v != IGNORE_INDEX && i % t != 0) {
                counted++; // the first position of a row has no preceding logits
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("no labelled token to predict (all labels are " + IGNORE_INDEX + ")");
        }
        NDManager m = logits.getManager();
        NDArray shiftLogits = logits.get(new NDIndex(":, :-1, :"));
        NDArray shiftLabels = labels.toType(DataType.INT64, false).get(new NDIndex(":, 1:"));
        NDArray valid = shiftLabels.neq(m.create(IGNORE_INDEX));
        NDArray safe = shiftLabels.mul(valid.toType(DataType.INT64, false)); // ignored labels -> class 0
        NDArray logProbs = shiftLogits.logSoftmax(-1);
        NDArray picked = logProbs.gather(safe.expandDims(2), 2).squeeze(2);
        NDArray total = picked.mul(valid.toType(DataType.FLOAT32, false)).sum();
        return total.neg().div(m.create((float) counted));
    }

    /**
     * Labels for prompt-completion training: a copy of the ids with padding and the first
     * {@code promptLengths[b]} real tokens of each row set to {@link #IGNORE_INDEX}. Works for left and right
     * padding.
     *
     * @param inputIds token ids {@code [B][T]}
     * @param attentionMask 1 for real tokens, 0 for padding, {@code [B][T]}
     * @param promptLengths number of leading real tokens of each row that are prompt
     * @return labels {@code [B][T]}
     * @throws IllegalArgumentException on ragged or mismatched arrays
     */
    public static long[][] promptMaskedLabels(long[][] inputIds, long[][] attentionMask, int[] promptLengths) {
        if (inputIds.length != attentionMask.length || inputIds.length != promptLengths.length) {
            throw new IllegalArgumentException("inputIds, attentionMask and promptLengths differ in batch size");
        }
        long[][] labels = new long[inputIds.length][];
        for (int b = 0; b < inputIds.length; b++) {
            if (inputIds[b].length != attentionMask[b].length) {
                throw new IllegalArgumentException("row " + b + ": ids and mask lengths differ");
            }
            labels[b] = new long[inputIds[b].length];
            int real = 0;
            for (int t = 0; t < inputIds[b].length; t++) {
                boolean pad = attentionMask[b][t] == 0;
                labels[b][t] = pad || real < promptLengths[b] ? IGNORE_INDEX : inputIds[b][t];
                if (!pad) {
                    real++;
                }
            }
        }
        return labels;
    }
}
