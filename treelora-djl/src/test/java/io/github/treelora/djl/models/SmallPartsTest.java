package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.djl.models.bert.BertConfig;
import io.github.treelora.djl.models.vit.ViTConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GELU form, config parsing and validation, ONNX reader errors, mean pooling on a hand-computed case. */
class SmallPartsTest {

    @Test
    void geluIsTheExactErfForm() {
        // x * Phi(x) with Phi from normal tables: Phi(1) = 0.8413447461, Phi(-1) = 0.1586552539,
        // Phi(2) = 0.9772498681, Phi(0.5) = 0.6914624613. The tanh approximation differs by ~1e-4 at x = 1.
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = m.create(new double[] {1, -1, 2, 0.5, 0});
            double[] y = Ops.gelu(x).toDoubleArray();
            double[] expected = {0.8413447461, -0.1586552539, 2 * 0.9772498681, 0.5 * 0.6914624613, 0};
            assertArrayEquals(expected, y, 1e-9);
        }
    }

    @Test
    void meanPoolIgnoresPadding() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray h = m.create(new float[] {1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10}, new Shape(2, 3, 2));
            NDArray mask = m.create(new long[] {1, 1, 0, 1, 1, 1}, new Shape(2, 3));
            assertArrayEquals(new float[] {2, 3, 7, 8}, Pooling.meanPool(h, mask).toFloatArray(), 1e-6f);
            assertThrows(IllegalArgumentException.class, () -> Pooling.meanPool(h, m.ones(new Shape(2, 4))));
        }
    }

    @Test
    void vitConfigParsesHuggingFaceJsonAndNamesBadKeys() {
        ViTConfig c = ViTConfig.fromJson("{\"image_size\":224,\"patch_size\":16,\"hidden_size\":768,"
                + "\"num_hidden_layers\":12,\"num_attention_heads\":12,\"intermediate_size\":3072,"
                + "\"id2label\":{\"0\":\"a\",\"1\":\"b\",\"2\":\"c\"}}");
        assertEquals(ViTConfig.base16(224, 3), c);
        assertEquals(196, c.gridSize() * c.gridSize());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ViTConfig.fromJson("{\"image_size\":224}"));
        assertTrue(missing.getMessage().contains("patch_size"), missing.getMessage());
        IllegalArgumentException heads = assertThrows(IllegalArgumentException.class,
                () -> ViTConfig.of(32, 8, 50, 1, 4, 64, 2));
        assertTrue(heads.getMessage().contains("num_attention_heads"), heads.getMessage());
        IllegalArgumentException act = assertThrows(IllegalArgumentException.class,
                () -> ViTConfig.fromJson("{\"hidden_act\":\"relu\"}"));
        assertTrue(act.getMessage().contains("relu"), act.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ViTConfig.of(30, 8, 32, 1, 4, 64, 2));
    }

    @Test
    void bertConfigParsesHuggingFaceJson() {
        String json = "{\"vocab_size\":30522,\"hidden_size\":384,\"num_hidden_layers\":6,"
                + "\"num_attention_heads\":12,\"intermediate_size\":1536,\"max_position_embeddings\":512,"
                + "\"type_vocab_size\":2,\"layer_norm_eps\":1e-12,\"hidden_act\":\"gelu\","
                + "\"hidden_dropout_prob\":0.1,\"attention_probs_dropout_prob\":0.1}";
        assertEquals(BertConfig.allMiniLmL6V2(), BertConfig.fromJson(json));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BertConfig.fromJson("{\"hidden_size\":384}"));
        assertTrue(e.getMessage().contains("vocab_size"), e.getMessage());
    }

    @Test
    void onnxReaderRejectsNonOnnxFilesWithTheFileName(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, new byte[] {0x3a, 0x7f, 0x01}); // graph field claiming 127 bytes, file has 1
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxTensorSource.open(bad));
        assertTrue(e.getMessage().contains("bad.onnx"), e.getMessage());
        Path empty = dir.resolve("empty.onnx");
        Files.write(empty, new byte[0]);
        e = assertThrows(IllegalArgumentException.class, () -> OnnxTensorSource.open(empty));
        assertTrue(e.getMessage().contains("no graph"), e.getMessage());
    }

    @Test
    void onnxReaderReadsAHandWrittenModel(@TempDir Path dir) throws Exception {
        // ModelProto{graph: GraphProto{initializer: [w "onnx::MatMul_1" [2,3] float raw, b "fc.bias" [3]],
        //   node: [MatMul(x, onnx::MatMul_1) -> y, Add(y, fc.bias) -> z]}}
        java.io.ByteArrayOutputStream graph = new java.io.ByteArrayOutputStream();
        float[] w = {1, 2, 3, 4, 5, 6}; // [in=2, out=3]
        graph.write(field(5, tensor("onnx::MatMul_1", new long[] {2, 3}, w)));
        graph.write(field(5, tensor("fc.bias", new long[] {3}, new float[] {7, 8, 9})));
        graph.write(field(1, node("MatMul", new String[] {"x", "onnx::MatMul_1"}, "y")));
        graph.write(field(1, node("Add", new String[] {"y", "fc.bias"}, "z")));
        Path file = dir.resolve("tiny.onnx");
        Files.write(file, field(7, graph.toByteArray()));
        OnnxTensorSource s = OnnxTensorSource.open(file);
        assertEquals(java.util.Set.of("fc.weight", "fc.bias"), s.names());
        assertArrayEquals(new long[] {3, 2}, s.shape("fc.weight"));
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, s.floats("fc.weight"), 0f); // transposed to [out, in]
        assertArrayEquals(new float[] {7, 8, 9}, s.floats("fc.bias"), 0f);
    }

    private static byte[] tensor(String name, long[] dims, float[] values) throws Exception {
        java.io.ByteArrayOutputStream t = new java.io.ByteArrayOutputStream();
        for (long d : dims) {
            t.write(8); // field 1, varint
            t.write((int) d);
        }
        t.write(16); // field 2, varint: data_type FLOAT = 1
        t.write(1);
        t.write(field(8, name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        t.write(field(9, raw.array()));
        return t.toByteArray();
    }

    private static byte[] node(String op, String[] inputs, String output) throws Exception {
        java.io.ByteArrayOutputStream n = new java.io.ByteArrayOutputStream();
        for (String in : inputs) {
            n.write(field(1, in.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        n.write(field(2, output.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        n.write(field(4, op.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return n.toByteArray();
    }

    /** A length-delimited field: tag byte, varint length, payload. */
    private static byte[] field(int number, byte[] payload) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(number << 3 | 2);
        int len = payload.length;
        while (len >= 0x80) {
            out.write((len & 0x7f) | 0x80);
            len >>>= 7;
        }
        out.write(len);
        out.writeBytes(payload);
        return out.toByteArray();
    }
}
