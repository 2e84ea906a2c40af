package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Layer normalization over the last axis with PyTorch's parameter names {@code weight} and {@code bias}
 * (DJL's own {@code LayerNorm} calls them gamma and beta), so checkpoint keys map one to one.
 */
public final class HfLayerNorm extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int size;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * Creates a layer norm over a last axis of {@code size} features.
     *
     * @param size the normalized feature count
     * @param eps the variance epsilon (1e-12 for BERT, 1e-12 for HF ViT, 1e-6 for torchvision ViT)
     */
    public HfLayerNorm(int size, float eps) {
        super(VERSION);
        if (size <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException("layer norm needs size > 0 and eps > 0, got " + size + ", " + eps);
        }
        this.size = size;
        this.eps = eps;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(size)).optInitializer(Initializer.ONES).build());
        bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BETA)
                .optShape(new Shape(size)).optInitializer(Initializer.ZEROS).build());
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = parameterStore.getValue(weight, x.getDevice(), training);
        NDArray b = parameterStore.getValue(bias, x.getDevice(), training);
        return LayerNorm.layerNorm(x, new Shape(size), w, b, eps);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
