package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Self-attention followed by its output projection: Hugging Face's {@code ViTAttention} (modules
 * {@code attention}, {@code output}) and {@code BertAttention} (modules {@code self}, {@code output}).
 *
 * <p>Inputs: {@code hidden [B, T, H]} and optionally the additive mask; the output block receives
 * {@code (context, hidden)} so that BERT's post-norm residual sees the block input.
 */
public final class AttentionBlock extends ModuleBlock {

    private final String selfName;

    /**
     * Creates the block.
     *
     * @param selfName the self-attention module's local name ({@code "attention"} for ViT, {@code "self"} for BERT)
     * @param self the self-attention
     * @param output the output projection ({@link DenseOutput.Residual#NONE} for ViT,
     *     {@link DenseOutput.Residual#ADD_AND_NORM} for BERT)
     */
    public AttentionBlock(String selfName, SelfAttention self, DenseOutput output) {
        this.selfName = selfName;
        addModule(selfName, self);
        addModule("output", output);
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray context = forwardModule(selfName, parameterStore, inputs, training, params).singletonOrThrow();
        return forwardModule("output", parameterStore, new NDList(context, x), training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module(selfName).initialize(manager, dataType, inputShapes[0]);
        module("output").initialize(manager, dataType, inputShapes[0], inputShapes[0]);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
