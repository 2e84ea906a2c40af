package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Root-mean-square layer norm: {@code weight * x / sqrt(mean(x^2, last axis) + eps)}, computed in float32,
 * with one parameter {@code weight} of shape {@code [hidden]} initialized to ones.
 */
public final class RmsNorm extends AbstractBlock {

    private final Parameter weight;
    private final float eps;
    private final boolean unitOffset;

    /**
     * Creates the norm.
     *
     * @param hiddenSize size of the normalized last axis
     * @param eps added to the mean square
     */
    public RmsNorm(int hiddenSize, double eps) {
        this(hiddenSize, eps, false);
    }

    /**
     * Creates the norm, optionally in Gemma's form {@code x / rms(x) * (1 + weight)} (its weights are stored as
     * offsets from one).
     *
     * @param hiddenSize size of the normalized last axis
     * @param eps added to the mean square
     * @param unitOffset whether the scale is {@code 1 + weight}
     */
    public RmsNorm(int hiddenSize, double eps, boolean unitOffset) {
        this.eps = (float) eps;
        this.unitOffset = unitOffset;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(hiddenSize)).optInitializer(Initializer.ONES).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDManager m = x.getManager();
        if (x.getDataType() != DataType.FLOAT32) {
            x = x.toType(DataType.FLOAT32, false);
        }
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        int last = x.getShape().dimension() - 1;
        NDArray meanSquare = x.mul(x).mean(new int[] {last}, true);
        // Scalar as an array of the step's manager: a Java Number operand can be freed before backward reads it.
        NDArray normed = x.div(meanSquare.add(m.create(eps)).sqrt());
        return new NDList(normed.mul(unitOffset ? w.add(m.create(1f)) : w));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
