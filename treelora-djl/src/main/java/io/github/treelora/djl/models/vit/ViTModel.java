package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.Encoder;
import io.github.treelora.djl.models.HfLayerNorm;
import io.github.treelora.djl.models.ModuleBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The ViT backbone, Hugging Face's {@code ViTModel} without pooler: modules {@code embeddings},
 * {@code encoder} ({@code layer.0 ...}), {@code layernorm}. Input {@code pixel_values [B, C, H, W]}; output
 * {@code last_hidden_state [B, 1 + patches, hidden]} (position 0 is the cls token).
 */
public final class ViTModel extends ModuleBlock {

    private final ViTConfig config;

    /**
     * Creates a randomly initialized (after {@link #initialize}) backbone.
     *
     * @param config the config
     */
    public ViTModel(ViTConfig config) {
        this.config = config;
        addModule("embeddings", new ViTEmbeddings(config));
        List<Block> layers = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new ViTLayer(config));
        }
        addModule("encoder", new Encoder(layers));
        addModule("layernorm", new HfLayerNorm(config.hiddenSize(), config.layerNormEps()));
    }

    /**
     * The config.
     *
     * @return the config
     */
    public ViTConfig config() {
        return config;
    }

    /**
     * The input shape to pass to {@code initialize}: one image at the configured size.
     *
     * @return {@code [1, channels, imageSize, imageSize]}
     */
    public Shape inputShape() {
        return new Shape(1, config.numChannels(), config.imageSize(), config.imageSize());
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = forwardModule("embeddings", ps, inputs, training, params);
        x = forwardModule("encoder", ps, x, training, params);
        return forwardModule("layernorm", ps, x, training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("embeddings").initialize(manager, dataType, inputShapes[0]);
        Shape tokens = module("embeddings").getOutputShapes(inputShapes)[0];
        module("encoder").initialize(manager, dataType, tokens);
        module("layernorm").initialize(manager, dataType, tokens);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return module("embeddings").getOutputShapes(inputShapes);
    }
}
