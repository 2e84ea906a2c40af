package io.github.treelora.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.Arrays;
import java.util.function.UnaryOperator;

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
        long counted = Targets.of(labels, ls.get(2)).count();
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

    /** Elements of one chunk of {@code [rows, vocab]} logits in {@link #fromHidden}: 64 MB of float32. */
    private static final long CHUNK_ELEMENTS = 1L << 24;

    /**
     * The same loss as {@link #compute} from the final hidden states and a frozen output matrix, without
     * materialising logits for every position: only positions whose next label counts are projected, in chunks
     * of rows, and no {@code [rows, vocab]} array outlives its chunk. The value is computed without recording;
     * the gradient with respect to {@code hidden} is the exact analytic one, {@code (softmax(z) - onehot(y)) W /
     * count} at the counted rows, entered through a surrogate term that contributes nothing to the value. Peak
     * extra memory is one chunk of logits plus {@code [counted, hidden]}, against several {@code [B, T, vocab]}
     * arrays for {@code compute(logits, labels)}.
     *
     * <p>The output matrix gets no gradient: it must be frozen (as base weights are under LoRA). A trainable or
     * adapted head needs {@link #fromTargetHidden}.
     *
     * @param hidden final hidden states {@code [B, T, H]} (float32; results belong to its manager)
     * @param labels {@code [B, T]} integer labels, {@link #IGNORE_INDEX} or in {@code [0, V)}
     * @param outputWeight the head's weight {@code [V, H]}, float32 or float16, not requiring a gradient
     * @return scalar loss in the manager of {@code hidden}
     * @throws IllegalArgumentException on shape mismatch, a label out of range, no counted token, or an output
     *     matrix that requires a gradient
     */
    public static NDArray fromHidden(NDArray hidden, NDArray labels, NDArray outputWeight) {
        Shape hs = hidden.getShape();
        Shape ws = outputWeight.getShape();
        if (hs.dimension() != 3 || !labels.getShape().equals(hs.slice(0, 2)) || ws.dimension() != 2
                || ws.get(1) != hs.get(2)) {
            throw new IllegalArgumentException("hidden must be [B, T, H], labels [B, T] and the output weight [V, H];"
                    + " got " + hs + ", " + labels.getShape() + " and " + ws);
        }
        if (outputWeight.hasGradient()) {
            throw new IllegalArgumentException("the output weight requires a gradient, which fromHidden does not"
                    + " compute: use fromTargetHidden");
        }
        long vocab = ws.get(0);
        Targets targets = Targets.of(labels, vocab);
        NDManager m = hidden.getManager();
        NDArray selected = targets.select(hidden);
        NDArray gradient;
        double nll = 0;
        try (NDManager scratch = m.newSubManager()) {
            // A new array either way (never the parameter's own, which must not join the scratch manager).
            NDArray w = outputWeight.getDataType() == DataType.FLOAT32
                    ? outputWeight.stopGradient()
                    : outputWeight.toType(DataType.FLOAT32, false);
            w.attach(scratch);
            NDArray h = selected.stopGradient();
            h.attach(scratch);
            NDArray y = scratch.create(targets.labels());
            long n = targets.count();
            long rows = Math.max(1, CHUNK_ELEMENTS / vocab);
            NDArray[] parts = new NDArray[Math.toIntExact((n + rows - 1) / rows)];
            for (int c = 0; c < parts.length; c++) {
                long from = c * rows;
                long to = Math.min(n, from + rows);
                try (NDManager chunk = scratch.newSubManager()) {
                    NDArray hc = h.get(new NDIndex("{}:{}", from, to));
                    hc.attach(chunk);
                    NDArray yc = y.get(new NDIndex("{}:{}", from, to));
                    yc.attach(chunk);
                    NDArray logProbs = Linear.linear(hc, w).singletonOrThrow().logSoftmax(1);
                    nll -= logProbs.gather(yc.expandDims(1), 1).sum().toType(DataType.FLOAT64, false).getDouble();
                    // d nll / d h = (softmax - onehot) W, row by row.
                    NDArray part = logProbs.exp().matMul(w).sub(w.get(yc));
                    part.attach(scratch);
                    parts[c] = part;
                }
            }
            NDArray sum = parts.length == 1 ? parts[0] : NDArrays.concat(new NDList(parts));
            gradient = sum.div(scratch.create((float) n));
            gradient.attach(m);
        }
        // surrogate - stop(surrogate) is 0 with gradient `gradient` with respect to the selected rows.
        NDArray surrogate = selected.mul(gradient).sum();
        NDArray value = m.create((float) (nll / targets.count()));
        return surrogate.sub(surrogate.stopGradient()).add(value);
    }

    /**
     * The same loss as {@link #compute}, with logits computed only at the positions whose next label counts:
     * {@code head} maps the selected hidden rows {@code [1, N, H]} to logits {@code [1, N, V]}. Works with any head
     * (trainable, or adapted with LoRA); memory holds {@code [N, V]} logits instead of {@code [B, T, V]}.
     *
     * @param hidden final hidden states {@code [B, T, H]}
     * @param labels {@code [B, T]} integer labels, {@link #IGNORE_INDEX} or in {@code [0, V)}
     * @param vocab the vocabulary size V
     * @param head the output head
     * @return scalar loss in the manager of {@code hidden}
     * @throws IllegalArgumentException on shape mismatch, a label out of range or no counted token
     */
    public static NDArray fromTargetHidden(NDArray hidden, NDArray labels, long vocab,
            UnaryOperator<NDArray> head) {
        Shape hs = hidden.getShape();
        if (hs.dimension() != 3 || !labels.getShape().equals(hs.slice(0, 2))) {
            throw new IllegalArgumentException(
                    "hidden must be [B, T, H] and labels [B, T]; got " + hs + " and " + labels.getShape());
        }
        Targets targets = Targets.of(labels, vocab);
        NDManager m = hidden.getManager();
        NDArray logits = head.apply(targets.select(hidden).expandDims(0)).squeeze(0);
        NDArray picked = logits.logSoftmax(1).gather(m.create(targets.labels()).expandDims(1), 1);
        return picked.sum().neg().div(m.create((float) targets.count()));
    }

    /** The counted positions of a batch: flat row {@code b * T + t} predicts label {@code labels[b, t + 1]}. */
    private record Targets(long[] rows, long[] labels, long tokens) {

        static Targets of(NDArray labelArray, long vocab) {
            long[] values = labelArray.toType(DataType.INT64, false).toLongArray();
            long t = labelArray.getShape().get(1);
            long[] rows = new long[values.length];
            long[] labels = new long[values.length];
            int counted = 0;
            for (int i = 0; i < values.length; i++) {
                long v = values[i];
                if (v != IGNORE_INDEX && (v < 0 || v >= vocab)) {
                    throw new IllegalArgumentException("label " + v + " at flat index " + i + " is outside [0, "
                            + vocab + ") and is not " + IGNORE_INDEX);
                }
                if (v != IGNORE_INDEX && i % t != 0) { // the first position of a row has no preceding logits
                    rows[counted] = i - 1;
                    labels[counted] = v;
                    counted++;
                }
            }
            if (counted == 0) {
                throw new IllegalArgumentException(
                        "no labelled token to predict (all labels are " + IGNORE_INDEX + ")");
            }
            return new Targets(Arrays.copyOf(rows, counted), Arrays.copyOf(labels, counted), values.length);
        }

        long count() {
            return rows.length;
        }

        /** The hidden rows that predict counted labels, {@code [N, H]}, recorded for gradients. */
        NDArray select(NDArray hidden) {
            NDManager m = hidden.getManager();
            NDArray flat = hidden.reshape(tokens, hidden.getShape().get(2));
            return flat.get(m.create(rows));
        }
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
