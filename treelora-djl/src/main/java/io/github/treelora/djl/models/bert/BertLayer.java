package io.github.treelora.djl.models.bert;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.AttentionBlock;
import io.github.treelora.djl.models.DenseOutput;
import io.github.treelora.djl.models.Intermediate;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.SelfAttention;

/**
 * One post-norm BERT layer, Hugging Face's {@code BertLayer}:
 * {@code a = LayerNorm(x + dense(selfattn(x))); out = LayerNorm(a + dense(gelu(dense(a))))}. Modules:
 * {@code attention} ({@code self.query|key|value}, {@code output.dense}, {@code output.LayerNorm}),
 * {@code intermediate} ({@code dense}), {@code output} ({@code dense}, {@code LayerNorm}).
 * Inputs: {@code hidden [B, T, H]} and optionally the additive mask.
 */
public final class BertLayer extends ModuleBlock {

    /**
     * Creates the layer.
     *
     * @param config the model config
     */
    public BertLayer(BertConfig config) {
        int h = config.hiddenSize();
        addModule("attention", new AttentionBlock("self",
                new SelfAttention(h, config.numAttentionHeads(), config.attentionProbsDropoutProb(), true),
                new DenseOutput(h, config.hiddenDropoutProb(), DenseOutput.Residual.ADD_AND_NORM,
                        config.layerNormEps())));
        addModule("intermediate", new Intermediate(config.intermediateSize()));
        addModule("output", new DenseOutput(h, config.hiddenDropoutProb(), DenseOutput.Residual.ADD_AND_NORM,
                config.layerNormEps()));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList attended = forwardModule("attention", ps, inputs, training, params);
        NDList mid = forwardModule("intermediate", ps, attended, training, params);
        return forwardModule("output", ps, new NDList(mid.singletonOrThrow(), attended.singletonOrThrow()),
                training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        module("attention").initialize(manager, dataType, x);
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
