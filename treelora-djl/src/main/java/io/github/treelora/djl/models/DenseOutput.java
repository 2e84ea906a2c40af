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
 * A projection {@code dense} (DJL {@link Linear}) with dropout, optionally followed by a residual add and a
 * post-norm {@code LayerNorm}; covers Hugging Face's {@code ViTSelfOutput} ({@link Residual#NONE}),
 * {@code ViTOutput} ({@link Residual#ADD}) and {@code BertSelfOutput}/{@code BertOutput}
 * ({@link Residual#ADD_AND_NORM}).
 *
 * <p>Inputs: {@code x [B, T, in]} and, unless {@link Residual#NONE}, the residual {@code [B, T, out]}.
 */
public final class DenseOutput extends ModuleBlock {

    /** What follows the projection. */
    public enum Residual {
        /** {@code dense(x)} only. */
        NONE,
        /** {@code dense(x) + residual}. */
        ADD,
        /** {@code LayerNorm(dense(x) + residual)}, the module named {@code LayerNorm}. */
        ADD_AND_NORM
    }

    private final int out;
    private final float dropout;
    private final Residual residual;

    /**
     * Creates the block.
     *
     * @param out output width
     * @param dropout dropout probability after the projection, applied only in training
     * @param residual what follows the projection
     * @param layerNormEps the LayerNorm epsilon, used only with {@link Residual#ADD_AND_NORM}
     */
    public DenseOutput(int out, float dropout, Residual residual, float layerNormEps) {
        this.out = out;
        this.dropout = dropout;
        this.residual = residual;
        addModule("dense", Linear.builder().setUnits(out).build());
        if (residual == Residual.ADD_AND_NORM) {
            addModule("LayerNorm", new HfLayerNorm(out, layerNormEps));
        }
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray y = forwardModule("dense", parameterStore, new NDList(inputs.get(0)), training, params)
                .singletonOrThrow();
        if (training && dropout > 0) {
            y = Dropout.dropout(y, dropout, true).singletonOrThrow();
        }
        if (residual == Residual.NONE) {
            return new NDList(y);
        }
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("DenseOutput with a residual needs (x, residual) inputs");
        }
        y = y.add(inputs.get(1));
        if (residual == Residual.ADD) {
            return new NDList(y);
        }
        return forwardModule("LayerNorm", parameterStore, new NDList(y), training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("dense").initialize(manager, dataType, inputShapes[0]);
        if (residual == Residual.ADD_AND_NORM) {
            module("LayerNorm").initialize(manager, dataType, getOutputShapes(inputShapes));
        }
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(out)};
    }
}
