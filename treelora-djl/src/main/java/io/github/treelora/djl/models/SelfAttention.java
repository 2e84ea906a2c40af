package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head scaled dot-product self-attention with Hugging Face's module names {@code query}, {@code key},
 * {@code value} (DJL {@link Linear} blocks, weight {@code [hidden, hidden]}); the same computation as
 * {@code ViTSelfAttention} and {@code BertSelfAttention}.
 *
 * <p>Inputs: {@code hidden [B, T, H]} and optionally an additive mask broadcastable to {@code [B, heads, T, T]}
 * (see {@link #additiveMask(NDArray)}). Output: the concatenated heads' context {@code [B, T, H]} (no output
 * projection: that is the sibling {@code output.dense}).
 */
public final class SelfAttention extends ModuleBlock {

    private final int hidden;
    private final int heads;
    private final float dropout;

    /**
     * Creates the block.
     *
     * @param hidden model width; must be divisible by {@code heads}
     * @param heads number of attention heads
     * @param dropout dropout probability on the attention weights, applied only in training
     * @param qkvBias whether query, key and value have biases (true for ViT and BERT)
     */
    public SelfAttention(int hidden, int heads, float dropout, boolean qkvBias) {
        if (hidden <= 0 || heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hidden + " must be a positive multiple of the head count " + heads);
        }
        this.hidden = hidden;
        this.heads = heads;
        this.dropout = dropout;
        addModule("query", Linear.builder().setUnits(hidden).optBias(qkvBias).build());
        addModule("key", Linear.builder().setUnits(hidden).optBias(qkvBias).build());
        addModule("value", Linear.builder().setUnits(hidden).optBias(qkvBias).build());
    }

    /**
     * Turns a {@code [B, T]} 0/1 attention mask (1 = attend) into Hugging Face's additive form
     * {@code (1 - mask) * float32_min} of shape {@code [B, 1, 1, T]}, in the mask's manager.
     *
     * @param attentionMask the 0/1 mask, any numeric type
     * @return the additive mask, float32
     */
    public static NDArray additiveMask(NDArray attentionMask) {
        if (attentionMask.getShape().dimension() != 2) {
            throw new IllegalArgumentException("attention mask must be [batch, seq], got " + attentionMask.getShape());
        }
        NDArray m = attentionMask.toType(DataType.FLOAT32, false);
        NDArray add = Ops.scalar(m, 1f).sub(m).mul(Ops.scalar(m, -Float.MAX_VALUE));
        Shape s = m.getShape();
        return add.reshape(s.get(0), 1, 1, s.get(1));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDList xs = new NDList(x);
        NDArray q = heads(forwardModule("query", parameterStore, xs, training, params).singletonOrThrow());
        NDArray k = heads(forwardModule("key", parameterStore, xs, training, params).singletonOrThrow());
        NDArray v = heads(forwardModule("value", parameterStore, xs, training, params).singletonOrThrow());
        // Scale q rather than the T x T scores (fewer multiplications, same result up to rounding).
        q = q.mul(Ops.scalar(q, (float) (1.0 / Math.sqrt(hidden / (double) heads))));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        if (inputs.size() > 1 && inputs.get(1) != null) {
            scores = scores.add(inputs.get(1));
        }
        NDArray probs = scores.softmax(-1);
        if (training && dropout > 0) {
            probs = Dropout.dropout(probs, dropout, true).singletonOrThrow();
        }
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3);
        Shape s = x.getShape();
        return new NDList(context.reshape(s.get(0), s.get(1), hidden));
    }

    private NDArray heads(NDArray t) {
        Shape s = t.getShape();
        return t.reshape(s.get(0), s.get(1), heads, hidden / heads).transpose(0, 2, 1, 3);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (String name : moduleNames()) {
            module(name).initialize(manager, dataType, inputShapes[0]);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
