package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.AttentionBlock;
import io.github.treelora.djl.models.DenseOutput;
import io.github.treelora.djl.models.HfLayerNorm;
import io.github.treelora.djl.models.Intermediate;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.SelfAttention;

/**
 * One pre-norm ViT encoder layer, Hugging Face's {@code ViTLayer}:
 * {@code x = x + attention(layernorm_before(x)); x = output(intermediate(layernorm_after(x)), x)}.
 * Modules in forward order: {@code layernorm_before}, {@code attention} ({@code attention.query|key|value},
 * {@code output.dense}), {@code layernorm_after}, {@code intermediate} ({@code dense}), {@code output}
 * ({@code dense}).
 */
public final class ViTLayer extends ModuleBlock {

    /**
     * Creates the layer.
     *
     * @param config the model config
     */
    public ViTLayer(ViTConfig config) {
        int h = config.hiddenSize();
        addModule("layernorm_before", new HfLayerNorm(h, config.layerNormEps()));
        addModule("attention", new AttentionBlock("attention",
                new SelfAttention(h, config.numAttentionHeads(), config.attentionProbsDropoutProb(), config.qkvBias()),
                new DenseOutput(h, config.hiddenDropoutProb(), DenseOutput.Residual.NONE, config.layerNormEps())));
        addModule("layernorm_after", new HfLayerNorm(h, config.layerNormEps()));
        addModule("intermediate", new Intermediate(config.intermediateSize()));
        addModule("output", new DenseOutput(h, config.hiddenDropoutProb(), DenseOutput.Residual.ADD,
                config.layerNormEps()));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray normed = forwardModule("layernorm_before", ps, new NDList(x), training, params).singletonOrThrow();
        NDList attnIn = inputs.size() > 1 ? new NDList(normed, inputs.get(1)) : new NDList(normed);
        x = forwardModule("attention", ps, attnIn, training, params).singletonOrThrow().add(x);
        NDList h = forwardModule("layernorm_after", ps, new NDList(x), training, params);
        h = forwardModule("intermediate", ps, h, training, params);
        return forwardModule("output", ps, new NDList(h.singletonOrThrow(), x), training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        module("layernorm_before").initialize(manager, dataType, x);
        module("attention").initialize(manager, dataType, x);
        module("layernorm_after").initialize(manager, dataType, x);
        module("intermediate").initialize(manager, dataType, x);
        Shape mid = module("intermediate").getOutputShapes(new Shape[] {x})[0];
        module("output").initialize(manager, dataType, mid, x);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
