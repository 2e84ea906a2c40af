package io.github.treelora.djl.models.bert;

import java.nio.file.Path;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.HfCheckpoint;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.Encoder;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.SelfAttention;

/**
 * The BERT encoder, Hugging Face's {@code BertModel} without pooler: modules {@code embeddings} and
 * {@code encoder} ({@code layer.0 ...}).
 *
 * <p>Inputs: {@code input_ids [B, T]} (int64), optionally {@code attention_mask [B, T]} (1 = token, 0 = padding;
 * all ones if absent) and {@code token_type_ids [B, T]} (zeros if absent). Output:
 * {@code last_hidden_state [B, T, hidden]}. Use {@link io.github.treelora.djl.models.Pooling#meanPool} for
 * sentence embeddings.
 */
public final class BertModel extends ModuleBlock {

    private final BertConfig config;

    /**
     * Creates a randomly initialized (after {@link #initialize}) encoder.
     *
     * @param config the config
     */
    public BertModel(BertConfig config) {
        this.config = config;
        addModule("embeddings", new BertEmbeddings(config));
        addModule("encoder", new Encoder(config.numHiddenLayers(), () -> new BertLayer(config)));
    }

    /**
     * Loads the encoder of a Hugging Face BERT checkpoint directory ({@code config.json} and
     * {@code model.safetensors} or a sharded index; F32, F16 or BF16 weights): a {@code BertModel} checkpoint, or
     * the {@code bert.*} part of one saved with a head. Pooler and head weights ({@code pooler.*}, {@code cls.*},
     * {@code classifier.*}) and the {@code embeddings.position_ids} buffer are skipped; every other key must match.
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @return the loaded encoder; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the config or weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static BertModel fromPretrained(Path dir, NDManager manager) {
        return fromPretrained(dir, BertConfig.fromJson(HfCheckpoint.configFile(dir)), manager);
    }

    /**
     * Loads a checkpoint as {@link #fromPretrained(Path, NDManager)} does, with its config already parsed.
     *
     * @param dir the checkpoint directory
     * @param config the parsed {@code config.json} of {@code dir}
     * @param manager parent of the manager that will own the parameters
     * @return the loaded encoder; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static BertModel fromPretrained(Path dir, BertConfig config, NDManager manager) {
        BertModel model = new BertModel(config);
        StateDict.LoadOptions options = StateDict.LoadOptions.STRICT.ignoring("pooler.*").ignoring("cls.*")
                .ignoring("classifier.*").ignoring("embeddings.position_ids");
        return HfCheckpoint.loadInto(dir, manager, model,
                owner -> model.initialize(owner, DataType.FLOAT32, model.inputShapes(8)),
                (m, weights) -> StateDict.load(m, HfCheckpoint.stripPrefix(weights, "bert."), options));
    }

    /**
     * The config.
     *
     * @return the config
     */
    public BertConfig config() {
        return config;
    }

    /**
     * Input shapes to pass to {@code initialize}.
     *
     * @param seqLength any sequence length up to {@code maxPositionEmbeddings}
     * @return {@code [1, seqLength]} for the ids and the mask
     */
    public Shape[] inputShapes(int seqLength) {
        return new Shape[] {new Shape(1, seqLength), new Shape(1, seqLength)};
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        if (ids.getShape().dimension() != 2) {
            throw new IllegalArgumentException("input_ids must be [batch, seq], got " + ids.getShape());
        }
        NDArray types = inputs.size() > 2 ? inputs.get(2) : null;
        NDList embedIn = types == null ? new NDList(ids) : new NDList(ids, types);
        NDArray x = forwardModule("embeddings", ps, embedIn, training, params).singletonOrThrow();
        NDList encoderIn = new NDList(x);
        if (inputs.size() > 1 && inputs.get(1) != null) {
            NDArray mask = inputs.get(1);
            if (!mask.getShape().equals(ids.getShape())) {
                throw new IllegalArgumentException("attention_mask shape " + mask.getShape()
                        + " differs from input_ids shape " + ids.getShape());
            }
            encoderIn.add(SelfAttention.additiveMask(mask));
        }
        return forwardModule("encoder", ps, encoderIn, training, params);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("embeddings").initialize(manager, dataType, inputShapes[0]);
        module("encoder").initialize(manager, dataType, module("embeddings").getOutputShapes(inputShapes));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(config.hiddenSize())};
    }
}
