package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.Ops;

/**
 * ViT input embeddings: patch projection (module {@code patch_embeddings}), a learned {@code cls_token}
 * {@code [1, 1, hidden]} prepended to the patch sequence and learned {@code position_embeddings}
 * {@code [1, 1 + patches, hidden]} added, as Hugging Face's {@code ViTEmbeddings}.
 *
 * <p>For an input whose size differs from {@code config.imageSize()}, the patch part of the position
 * embeddings is resampled to the new grid with bicubic interpolation ({@code align_corners = false}, PyTorch's
 * {@code interpolate}, as Hugging Face's {@code interpolate_pos_encoding}); the cls position is kept. The
 * interpolation is differentiable. Hugging Face does this only when asked; here it is automatic.
 */
public final class ViTEmbeddings extends ModuleBlock {

    /** PyTorch engine's interpolation mode code for bicubic (0 nearest, 1 linear, 2 bilinear, 3 bicubic). */
    private static final int BICUBIC = 3;

    private final ViTConfig config;
    private final Parameter clsToken;
    private final Parameter positionEmbeddings;

    /**
     * Creates the block.
     *
     * @param config the model config
     */
    public ViTEmbeddings(ViTConfig config) {
        this.config = config;
        int h = config.hiddenSize();
        int n = config.gridSize() * config.gridSize();
        clsToken = addParameter(Parameter.builder().setName("cls_token").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, 1, h)).optInitializer(new NormalInitializer(0.02f)).build());
        positionEmbeddings = addParameter(Parameter.builder().setName("position_embeddings")
                .setType(Parameter.Type.WEIGHT).optShape(new Shape(1, n + 1, h))
                .optInitializer(new NormalInitializer(0.02f)).build());
        addModule("patch_embeddings", new ViTPatchEmbeddings(config));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray pixels = inputs.singletonOrThrow();
        NDManager step = pixels.getManager();
        NDArray patches = forwardModule("patch_embeddings", parameterStore, inputs, training, params)
                .singletonOrThrow();
        long batch = patches.getShape().get(0);
        NDArray cls = parameterStore.getValue(clsToken, pixels.getDevice(), training);
        // zeros[B,1,H] + cls broadcasts the token and keeps the result in the step's manager.
        NDArray clsRows = step.zeros(new Shape(batch, 1, config.hiddenSize()), patches.getDataType()).add(cls);
        NDArray x = NDArrays.concat(new NDList(clsRows, patches), 1);
        NDArray pos = parameterStore.getValue(positionEmbeddings, pixels.getDevice(), training);
        long gridH = pixels.getShape().get(2) / config.patchSize();
        long gridW = pixels.getShape().get(3) / config.patchSize();
        if (gridH == config.gridSize() && gridW == config.gridSize()) {
            x = x.add(pos);
        } else {
            x = x.add(interpolated(Ops.inManager(pos, step), gridH, gridW));
        }
        if (training && config.hiddenDropoutProb() > 0) {
            x = Dropout.dropout(x, config.hiddenDropoutProb(), true).singletonOrThrow();
        }
        return new NDList(x);
    }

    private NDArray interpolated(NDArray pos, long gridH, long gridW) {
        int g = config.gridSize();
        long h = config.hiddenSize();
        NDArray clsPos = pos.get(new NDIndex(":, 0:1, :"));
        NDArray grid = pos.get(new NDIndex(":, 1:, :")).reshape(1, g, g, h).transpose(0, 3, 1, 2);
        NDArray resized = grid.getNDArrayInternal().interpolation(new long[] {gridH, gridW}, BICUBIC, false);
        NDArray patchPos = resized.transpose(0, 2, 3, 1).reshape(1, gridH * gridW, h);
        return NDArrays.concat(new NDList(clsPos, patchPos), 1);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("patch_embeddings").initialize(manager, dataType, inputShapes[0]);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape p = module("patch_embeddings").getOutputShapes(inputShapes)[0];
        return new Shape[] {new Shape(p.get(0), p.get(1) + 1, p.get(2))};
    }
}
