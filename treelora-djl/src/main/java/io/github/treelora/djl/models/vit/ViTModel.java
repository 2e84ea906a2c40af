package io.github.treelora.djl.models.vit;

import java.nio.file.Path;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.HfCheckpoint;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.Encoder;
import io.github.treelora.djl.models.HfLayerNorm;
import io.github.treelora.djl.models.ModuleBlock;

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
        addModule("encoder", new Encoder(config.numHiddenLayers(), () -> new ViTLayer(config)));
        addModule("layernorm", new HfLayerNorm(config.hiddenSize(), config.layerNormEps()));
    }

    /**
     * Loads the backbone of a Hugging Face ViT checkpoint directory ({@code config.json} and
     * {@code model.safetensors} or a sharded index; F32, F16 or BF16 weights): a {@code ViTModel} checkpoint, or
     * the {@code vit.*} part of a {@code ViTForImageClassification} one. Pooler and classifier weights are
     * skipped (this backbone has neither); every other key must match.
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @return the loaded backbone; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the config or weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static ViTModel fromPretrained(Path dir, NDManager manager) {
        return fromPretrained(dir, ViTConfig.fromJson(HfCheckpoint.configFile(dir)), manager);
    }

    /**
     * Loads a checkpoint as {@link #fromPretrained(Path, NDManager)} does, with its config already parsed.
     *
     * @param dir the checkpoint directory
     * @param config the parsed {@code config.json} of {@code dir}
     * @param manager parent of the manager that will own the parameters
     * @return the loaded backbone; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static ViTModel fromPretrained(Path dir, ViTConfig config, NDManager manager) {
        ViTModel model = new ViTModel(config);
        StateDict.LoadOptions options = StateDict.LoadOptions.STRICT.ignoring("pooler.*").ignoring("classifier.*");
        return HfCheckpoint.loadInto(dir, manager, model,
                owner -> model.initialize(owner, DataType.FLOAT32, model.inputShape()),
                (m, weights) -> StateDict.load(m, HfCheckpoint.stripPrefix(ViTNames.toV4(weights), "vit."),
                        options));
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
