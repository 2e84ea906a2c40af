package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.WideningLinear;

/**
 * Multi-head self-attention with rotary embeddings and grouped-query attention, sub-modules
 * {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj} (DJL {@link Linear}, weight {@code [out, in]}).
 *
 * <p>Computes {@code softmax(q k^T / sqrt(head_dim) + mask) v} per head, where each key/value head serves
 * {@code heads / kv_heads} consecutive query heads (Hugging Face {@code repeat_kv}). It needs position tables,
 * the additive mask and optionally a cache, so it is called through
 * {@link #forward(ParameterStore, NDArray, NDArray, NDArray, NDArray, KvCache, int, boolean)}, not DJL's
 * single-tensor {@code forward}.
 */
public final class LlamaAttention extends ModuleBlock {

    private final LlamaConfig config;
    private final RotaryEmbedding rope;

    /**
     * Creates the block.
     *
     * @param config model configuration
     * @param rope rotary tables shared by all layers
     */
    public LlamaAttention(LlamaConfig config, RotaryEmbedding rope) {
        this.config = config;
        this.rope = rope;
        int d = config.headDim();
        addModule("q_proj", WideningLinear.of((long) config.numAttentionHeads() * d, config.qkvBias()));
        addModule("k_proj", WideningLinear.of((long) config.numKeyValueHeads() * d, config.qkvBias()));
        addModule("v_proj", WideningLinear.of((long) config.numKeyValueHeads() * d, config.qkvBias()));
        addModule("o_proj", WideningLinear.of(config.hiddenSize(), config.oProjBias()));
    }

    /**
     * Attention over the current tokens and, when a cache is given, the cached earlier ones.
     *
     * @param ps parameter store
     * @param hidden normalized hidden states {@code [B, T, hidden]}
     * @param cos cosine table {@code [B, 1, T, head_dim]} for the current tokens
     * @param sin sine table, same shape
     * @param additiveMask {@code [B, 1, T, P + T]}: 0 where attention is allowed, a large negative value elsewhere
     * @param cache key/value cache holding {@code P} earlier positions, or {@code null}; it receives this
     *     call's keys and values
     * @param layer index of this layer in the cache
     * @param training whether this is a training pass
     * @return attention output after {@code o_proj}, {@code [B, T, hidden]}
     */
    public NDArray forward(ParameterStore ps, NDArray hidden, NDArray cos, NDArray sin, NDArray additiveMask,
            KvCache cache, int layer, boolean training) {
        NDManager m = hidden.getManager();
        long b = hidden.getShape().get(0);
        long t = hidden.getShape().get(1);
        int h = config.numAttentionHeads();
        int kv = config.numKeyValueHeads();
        int d = config.headDim();
        NDArray q = call("q_proj", ps, hidden, training).reshape(b, t, h, d).transpose(0, 2, 1, 3);
        NDArray k = call("k_proj", ps, hidden, training).reshape(b, t, kv, d).transpose(0, 2, 1, 3);
        NDArray v = call("v_proj", ps, hidden, training).reshape(b, t, kv, d).transpose(0, 2, 1, 3);
        q = rope.apply(q, cos, sin);
        k = rope.apply(k, cos, sin);
        if (cache != null) {
            // The cache keeps rotated keys, so cached positions need no recomputation.
            NDArray[] kvAll = cache.append(layer, k, v);
            k = kvAll[0];
            v = kvAll[1];
        }
        k = repeatKv(k, b, kv, d);
        v = repeatKv(v, b, kv, d);
        NDArray scale = m.full(new Shape(), (float) (1.0 / Math.sqrt(d))); // engine-owned: saved for backward
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(additiveMask);
        NDArray probs = scores.softmax(-1);
        NDArray out = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) h * d);
        return call("o_proj", ps, out, training);
    }

    /** {@code [B, KV, S, D] -> [B, KV * groups, S, D]}, each key/value head repeated for its query group. */
    private NDArray repeatKv(NDArray x, long b, int kv, int d) {
        int groups = config.kvGroups();
        if (groups == 1) {
            return x;
        }
        long s = x.getShape().get(2);
        return x.expandDims(2).broadcast(new Shape(b, kv, groups, s, d)).reshape(b, (long) kv * groups, s, d);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                "LlamaAttention needs rotary tables and a mask; call forward(ps, hidden, cos, sin, mask, ...)");
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = new Shape(1, config.hiddenSize());
        module("q_proj").initialize(manager, dataType, in);
        module("k_proj").initialize(manager, dataType, in);
        module("v_proj").initialize(manager, dataType, in);
        module("o_proj").initialize(manager, dataType,
                new Shape(1, (long) config.numAttentionHeads() * config.headDim()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
