package io.github.treelora.djl.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The feed-forward expansion {@code gelu(dense(x))} with module name {@code dense}; Hugging Face's
 * {@code ViTIntermediate} and {@code BertIntermediate} (exact erf GELU, HF's {@code "gelu"}).
 */
public final class Intermediate extends ModuleBlock {

    private final int size;

    /**
     * Creates the block.
     *
     * @param intermediateSize output width of {@code dense}
     */
    public Intermediate(int intermediateSize) {
        this.size = intermediateSize;
        addModule("dense", Linear.builder().setUnits(intermediateSize).build());
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList h = forwardModule("dense", parameterStore, new NDList(inputs.get(0)), training, params);
        return new NDList(Ops.gelu(h.singletonOrThrow()));
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("dense").initialize(manager, dataType, inputShapes[0]);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(size)};
    }
}
