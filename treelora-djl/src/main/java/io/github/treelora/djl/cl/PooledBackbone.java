package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;
import java.util.Objects;

/**
 * Turns an encoder that returns token states {@code [B, T, H]} into a feature extractor {@code [B, H]} for the
 * {@link ContinualTrainer}: the [CLS] token (position 0; a ViT's {@code last_hidden_state} is already after
 * the final layer norm) or the attention-mask-aware mean (BERT / sentence-transformers; the mask is the
 * encoder's second input when present, else every token counts).
 *
 * <p>The encoder becomes the sub-module {@code moduleName}, so adapted modules get paths such as
 * {@code vit.encoder.layer.0.attention.attention.query}; suffix targets ({@code "query"}) find them unchanged.
 * <pre>{@code
 * ViTModel vit = new ViTModel(config);   // load pretrained weights into it
 * PooledBackbone features = new PooledBackbone("vit", vit, PooledBackbone.Pooling.CLS_TOKEN);
 * features.initialize(manager, DataType.FLOAT32, vit.inputShape());
 * Backbone backbone = new Backbone("vit-b16-in21k", features, config.hiddenSize());
 * }</pre>
 */
public final class PooledBackbone extends ModuleBlock {

    /** How token states become one vector per sample. */
    public enum Pooling {
        /** Token 0. */
        CLS_TOKEN,
        /** Mean over tokens, weighted by the attention mask (input 1) when given. */
        MEAN
    }

    private final String moduleName;
    private final Pooling pooling;

    /**
     * Wraps an encoder.
     *
     * @param moduleName the encoder's module name (non-empty, no '.')
     * @param encoder a block returning {@code [B, T, H]} as its first output
     * @param pooling how to pool
     */
    public PooledBackbone(String moduleName, Block encoder, Pooling pooling) {
        this.moduleName = moduleName;
        this.pooling = Objects.requireNonNull(pooling, "pooling");
        addModule(moduleName, encoder);
    }

    /**
     * The pooling.
     *
     * @return pooling
     */
    public Pooling pooling() {
        return pooling;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray hidden = forwardModule(moduleName, ps, inputs, training, params).get(0);
        if (hidden.getShape().dimension() != 3) {
            throw new IllegalStateException("encoder '" + moduleName + "' must return [batch, tokens, hidden], got "
                    + hidden.getShape());
        }
        if (pooling == Pooling.CLS_TOKEN) {
            return new NDList(hidden.get(new NDIndex(":, 0, :")));
        }
        NDArray mask = inputs.size() > 1 && inputs.get(1) != null ? inputs.get(1)
                : hidden.onesLike().get(new NDIndex(":, :, 0"));
        return new NDList(io.github.treelora.djl.models.Pooling.meanPool(hidden, mask));
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module(moduleName).initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape tokens = module(moduleName).getOutputShapes(inputShapes)[0];
        return new Shape[] {new Shape(tokens.get(0), tokens.get(2))};
    }
}
