package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * A lookup table like PyTorch's {@code nn.Embedding}: one parameter {@code weight} of shape
 * {@code [count, dim]}; integer ids of any shape map to vectors, output shape {@code ids.shape + [dim]}.
 * The lookup runs on the ids' side, so its result lives in the ids' (per-step) manager.
 */
public final class EmbeddingTable extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int count;
    private final int dim;
    private final Parameter weight;

    /**
     * Creates a table of {@code count} vectors of size {@code dim}, initialized N(0, 0.02^2) like Hugging Face.
     *
     * @param count number of rows (vocabulary size, positions, token types)
     * @param dim vector size
     */
    public EmbeddingTable(int count, int dim) {
        super(VERSION);
        if (count <= 0 || dim <= 0) {
            throw new IllegalArgumentException("embedding table needs count, dim > 0, got " + count + ", " + dim);
        }
        this.count = count;
        this.dim = dim;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(count, dim)).optInitializer(new NormalInitializer(0.02f)).build());
    }

    /**
     * Number of rows.
     *
     * @return the row count
     */
    public int count() {
        return count;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow();
        if (ids.getDataType() != DataType.INT64) {
            ids = ids.toType(DataType.INT64, false);
        }
        NDArray w = parameterStore.getValue(weight, ids.getDevice(), training);
        return ids.getNDArrayInternal().embedding(ids, w, SparseFormat.DENSE);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(dim)};
    }
}
