package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;

/**
 * One pre-norm decoder layer: {@code h += self_attn(input_layernorm(h)); h += mlp(post_attention_layernorm(h))}.
 * Sub-modules: {@code input_layernorm}, {@code self_attn}, {@code post_attention_layernorm}, {@code mlp}.
 */
public final class LlamaDecoderLayer extends ModuleBlock {

    private final int hiddenSize;

    /**
     * Creates the layer.
     *
     * @param config model configuration
     * @param rope rotary tables shared by all layers
     */
    public LlamaDecoderLayer(LlamaConfig config, RotaryEmbedding rope) {
        hiddenSize = config.hiddenSize();
        addModule("input_layernorm", new RmsNorm(config.hiddenSize(), config.rmsNormEps(), config.unitOffsetNorm()));
        addModule("self_attn", new LlamaAttention(config, rope));
        addModule("post_attention_layernorm", new RmsNorm(config.hiddenSize(), config.rmsNormEps(), config.unitOffsetNorm()));
        addModule("mlp", new LlamaMlp(config));
    }

    /**
     * The current attention block.
     *
     * @return the {@code self_attn} module
     */
    public LlamaAttention attention() {
        return (LlamaAttention) module("self_attn");
    }

    @Override
    protected void checkReplacement(String name, Block replacement) {
        if (name.equals("self_attn") && !(replacement instanceof LlamaAttention)) {
            throw new IllegalArgumentException("self_attn can only be replaced by a LlamaAttention, got "
                    + replacement.getClass().getName());
        }
    }

    /**
     * Runs the layer.
     *
     * @param ps parameter store
     * @param hidden residual stream {@code [B, T, hidden]}
     * @param cos rotary cosine table
     * @param sin rotary sine table
     * @param additiveMask attention mask, see {@link LlamaAttention}
     * @param cache key/value cache or {@code null}
     * @param layer index of this layer
     * @param training whether this is a training pass
     * @return the new residual stream
     */
    public NDArray forward(ParameterStore ps, NDArray hidden, NDArray cos, NDArray sin, NDArray additiveMask,
            KvCache cache, int layer, boolean training) {
        NDArray x = call("input_layernorm", ps, hidden, training);
        NDArray h = hidden.add(attention().forward(ps, x, cos, sin, additiveMask, cache, layer, training));
        x = call("post_attention_layernorm", ps, h, training);
        return h.add(call("mlp", ps, x, training));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                "LlamaDecoderLayer needs rotary tables and a mask; call forward(ps, hidden, cos, sin, mask, ...)");
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = new Shape(1, 1, hiddenSize);
        for (String n : moduleNames()) {
            module(n).initialize(manager, dataType, in);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
