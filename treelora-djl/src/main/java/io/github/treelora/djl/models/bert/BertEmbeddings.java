package io.github.treelora.djl.models.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.EmbeddingTable;
import io.github.treelora.djl.models.HfLayerNorm;
import io.github.treelora.djl.models.ModuleBlock;

/**
 * BERT input embeddings, Hugging Face's {@code BertEmbeddings}:
 * {@code LayerNorm(word_embeddings[ids] + position_embeddings[0..T) + token_type_embeddings[types])}.
 * Inputs: {@code input_ids [B, T]} and optionally {@code token_type_ids [B, T]} (zeros if absent).
 */
public final class BertEmbeddings extends ModuleBlock {

    private final BertConfig config;

    /**
     * Creates the block.
     *
     * @param config the model config
     */
    public BertEmbeddings(BertConfig config) {
        this.config = config;
        addModule("word_embeddings", new EmbeddingTable(config.vocabSize(), config.hiddenSize()));
        addModule("position_embeddings", new EmbeddingTable(config.maxPositionEmbeddings(), config.hiddenSize()));
        addModule("token_type_embeddings", new EmbeddingTable(config.typeVocabSize(), config.hiddenSize()));
        addModule("LayerNorm", new HfLayerNorm(config.hiddenSize(), config.layerNormEps()));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        long seq = ids.getShape().get(1);
        if (seq > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence length " + seq + " exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        NDManager step = ids.getManager();
        NDArray types = inputs.size() > 1 && inputs.get(1) != null ? inputs.get(1) : step.zeros(ids.getShape(),
                DataType.INT64);
        NDArray positions = step.arange(0, (int) seq, 1, DataType.INT64);
        NDArray x = forwardModule("word_embeddings", ps, new NDList(ids), training, params).singletonOrThrow()
                .add(forwardModule("token_type_embeddings", ps, new NDList(types), training, params)
                        .singletonOrThrow())
                .add(forwardModule("position_embeddings", ps, new NDList(positions), training, params)
                        .singletonOrThrow());
        x = forwardModule("LayerNorm", ps, new NDList(x), training, params).singletonOrThrow();
        if (training && config.hiddenDropoutProb() > 0) {
            x = Dropout.dropout(x, config.hiddenDropoutProb(), true).singletonOrThrow();
        }
        return new NDList(x);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        module("word_embeddings").initialize(manager, dataType, ids);
        module("position_embeddings").initialize(manager, dataType, new Shape(ids.get(1)));
        module("token_type_embeddings").initialize(manager, dataType, ids);
        module("LayerNorm").initialize(manager, dataType, getOutputShapes(inputShapes));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(config.hiddenSize())};
    }
}
