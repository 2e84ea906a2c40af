package io.github.treelora.examples.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.vit.ViTModel;

/**
 * A ViT as a feature extractor for the continual trainer: module {@code vit} (a {@link ViTModel}), output
 * the final cls-token state {@code [B, hidden]} (what {@code ViTForImageClassification} feeds its
 * classifier). LoRA targets are found under {@code vit.encoder.layer.N.attention.attention.query/value}.
 */
public final class ViTFeatures extends ModuleBlock {
    private final ViTModel vit;

    /**
     * Wraps an initialized backbone.
     *
     * @param vit the backbone (it becomes this block's module {@code vit})
     */
    public ViTFeatures(ViTModel vit) {
        this.vit = addModule("vit", vit);
    }

    /**
     * The feature size.
     *
     * @return the backbone's hidden size
     */
    public int featureDim() {
        return vit.config().hiddenSize();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray hidden = forwardModule("vit", ps, inputs, training, params).singletonOrThrow();
        return new NDList(hidden.get(new NDIndex(":, 0, :")));
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("vit").initialize(manager, dataType, inputShapes[0]);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), featureDim())};
    }
}
