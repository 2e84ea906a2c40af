package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Token embedding table with one parameter {@code weight} of shape {@code [vocab, hidden]} (Hugging Face
 * {@code nn.Embedding}). Input: integer ids of any shape; output: ids shape plus {@code hidden}.
 */
public final class TokenEmbedding extends AbstractBlock {

    private final Parameter weight;
    private final int vocabSize;
    private final int hiddenSize;

    /**
     * Creates the table.
     *
     * @param vocabSize number of ids
     * @param hiddenSize embedding width
     */
    public TokenEmbedding(int vocabSize, int hiddenSize) {
        this.vocabSize = vocabSize;
        this.hiddenSize = hiddenSize;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(vocabSize, hiddenSize)).build());
    }

    /**
     * The table parameter, shared with a tied output head.
     *
     * @return the {@code weight} parameter
     */
    public Parameter weight() {
        return weight;
    }

    /**
     * Number of rows of the table.
     *
     * @return vocabulary size
     */
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow();
        NDArray table = ps.getValue(weight, ids.getDevice(), training);
        NDArray out = table.get(ids);
        // Indexing a parameter puts the result in the parameter's manager: move it to the step's manager.
        out.attach(ids.getManager());
        if (out.getDataType() != DataType.FLOAT32) {
            // Half-precision storage (WeightStorage.FLOAT16): the looked-up rows are widened, not the table.
            NDArray narrow = out;
            out = narrow.toType(DataType.FLOAT32, false);
            narrow.close();
        }
        return new NDList(out);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].addAll(new Shape(hiddenSize))};
    }
}
