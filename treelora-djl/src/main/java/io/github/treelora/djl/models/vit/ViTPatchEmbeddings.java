package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;

/**
 * Cuts an image into non-overlapping patches and projects each: module {@code projection}, a DJL
 * {@link Conv2d} with kernel and stride {@code patch_size} (weight {@code [hidden, channels, p, p]}, as HF's
 * {@code embeddings.patch_embeddings.projection.weight}). Input {@code [B, C, H, W]}; output
 * {@code [B, (H/p)(W/p), hidden]} in row-major patch order.
 */
public final class ViTPatchEmbeddings extends ModuleBlock {

    private final ViTConfig config;

    /**
     * Creates the block.
     *
     * @param config the model config
     */
    public ViTPatchEmbeddings(ViTConfig config) {
        this.config = config;
        int p = config.patchSize();
        addModule("projection", Conv2d.builder().setKernelShape(new Shape(p, p)).optStride(new Shape(p, p))
                .setFilters(config.hiddenSize()).build());
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray pixels = inputs.singletonOrThrow();
        Shape s = pixels.getShape();
        if (s.dimension() != 4 || s.get(1) != config.numChannels()) {
            throw new IllegalArgumentException("pixel values must be [batch, " + config.numChannels()
                    + ", height, width], got " + s);
        }
        if (s.get(2) % config.patchSize() != 0 || s.get(3) % config.patchSize() != 0) {
            throw new IllegalArgumentException("image size " + s.get(2) + "x" + s.get(3)
                    + " is not a multiple of patch size " + config.patchSize());
        }
        NDArray y = forwardModule("projection", parameterStore, inputs, training, params).singletonOrThrow();
        Shape ys = y.getShape();
        return new NDList(y.reshape(ys.get(0), ys.get(1), ys.get(2) * ys.get(3)).transpose(0, 2, 1));
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("projection").initialize(manager, dataType, inputShapes[0]);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        long n = (s.get(2) / config.patchSize()) * (s.get(3) / config.patchSize());
        return new Shape[] {new Shape(s.get(0), n, config.hiddenSize())};
    }
}
