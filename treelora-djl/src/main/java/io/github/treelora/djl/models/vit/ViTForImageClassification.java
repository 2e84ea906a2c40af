package io.github.treelora.djl.models.vit;

import java.nio.file.Path;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.HfCheckpoint;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;

/**
 * ViT with a linear classification head on the final cls-token state, Hugging Face's
 * {@code ViTForImageClassification}: modules {@code vit} (a {@link ViTModel}) and {@code classifier}
 * (a {@link Linear} {@code [num_labels, hidden]}). Input {@code pixel_values [B, C, H, W]}; output
 * {@code logits [B, num_labels]}.
 */
public final class ViTForImageClassification extends ModuleBlock {

    private final ViTConfig config;

    /**
     * Creates the model.
     *
     * @param config the config (its {@code numLabels} sizes the head)
     */
    public ViTForImageClassification(ViTConfig config) {
        this.config = config;
        addModule("vit", new ViTModel(config));
        addModule("classifier", Linear.builder().setUnits(config.numLabels()).build());
    }

    /**
     * Loads a Hugging Face {@code ViTForImageClassification} checkpoint directory ({@code config.json} and
     * {@code model.safetensors} or a sharded index; F32, F16 or BF16 weights), strictly: every key must match.
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @return the loaded model; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the config or weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static ViTForImageClassification fromPretrained(Path dir, NDManager manager) {
        return fromPretrained(dir, ViTConfig.fromJson(HfCheckpoint.configFile(dir)), manager);
    }

    /**
     * Loads a checkpoint as {@link #fromPretrained(Path, NDManager)} does, with its config already parsed.
     *
     * @param dir the checkpoint directory
     * @param config the parsed {@code config.json} of {@code dir}
     * @param manager parent of the manager that will own the parameters
     * @return the loaded model; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static ViTForImageClassification fromPretrained(Path dir, ViTConfig config, NDManager manager) {
        ViTForImageClassification model = new ViTForImageClassification(config);
        return HfCheckpoint.loadInto(dir, manager, model,
                owner -> model.initialize(owner, DataType.FLOAT32, model.inputShape()),
                (m, weights) -> StateDict.load(m, ViTNames.toV4(weights)));
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
     * The input shape to pass to {@code initialize}: its backbone's ({@link ViTModel#inputShape()}).
     *
     * @return {@code [1, channels, imageSize, imageSize]}
     */
    public Shape inputShape() {
        return ((ViTModel) module("vit")).inputShape();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray hidden = forwardModule("vit", ps, inputs, training, params).singletonOrThrow();
        NDArray cls = hidden.get(new NDIndex(":, 0, :"));
        return forwardModule("classifier", ps, new NDList(cls), training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("vit").initialize(manager, dataType, inputShapes[0]);
        module("classifier").initialize(manager, dataType, new Shape(inputShapes[0].get(0), config.hiddenSize()));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.numLabels())};
    }
}
