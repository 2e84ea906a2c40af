package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.TestArrays;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.bert.MiniLm;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.models.vit.ViTModel;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face checkpoint directories for ViT and BERT, and the safetensors source on files over 2 GiB. */
class HfCheckpointTest {

    @TempDir
    Path tmp;

    private static NDArray run(Block model, NDManager step, NDArray... inputs) {
        return model.forward(new ParameterStore(step, false), new NDList(inputs), false).get(0);
    }

    @Test
    void vitCheckpointDirectoryReproducesTorchvision() {
        Map<String, HostTensor> io = FixtureTensors.read(FixtureTensors.VIT_TINY, "io");
        HostTensor images = io.get("images");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Block loaded = HfCheckpoint.load(FixtureTensors.VIT_TINY, manager);
            assertTrue(loaded instanceof ViTForImageClassification, "architectures[0] picks the classifier");
            ViTModel backbone = ViTModel.fromPretrained(FixtureTensors.VIT_TINY, manager);
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(images.data(), new Shape(images.shape()));
                double diff = TestArrays.maxAbsDiff(io.get("logits").data(), run(loaded, step, x).toFloatArray());
                assertTrue(diff < 1e-4f, "max abs diff " + diff);
                // The backbone loaded from the same (vit.-prefixed) checkpoint equals the classifier's backbone.
                Block inner = ((ViTForImageClassification) loaded).namedModules().get("vit");
                assertArrayEquals(run(inner, step, x).toFloatArray(), run(backbone, step, x).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void bertCheckpointWithHeadsAndPrefixLoadsTheEncoder() throws IOException {
        Path onnx = MiniLmGoldenTest.DIR.resolve("all-minilm-l6-v2.onnx");
        assertTrue(Files.isRegularFile(onnx), "missing " + onnx + " (unpacked at generate-test-resources)");
        Path dir = Files.createDirectories(tmp.resolve("minilm-hf"));
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"BertForMaskedLM\"], "
                + "\"model_type\": \"bert\", \"vocab_size\": 30522, \"hidden_size\": 384, \"num_hidden_layers\": 6, "
                + "\"num_attention_heads\": 12, \"intermediate_size\": 1536, \"max_position_embeddings\": 512, "
                + "\"type_vocab_size\": 2, \"layer_norm_eps\": 1e-12, \"hidden_act\": \"gelu\"}");
        long[] ids = {101, 7592, 2088, 102};
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            BertModel reference = MiniLm.load(onnx, manager);
            // Saved the way transformers saves BertForMaskedLM: backbone under "bert.", plus head and buffer.
            SafetensorsWriter w = new SafetensorsWriter();
            for (Map.Entry<String, HostTensor> e : StateDict.snapshot(reference).entrySet()) {
                w.putFloats("bert." + e.getKey(), e.getValue().shape(), e.getValue().data());
            }
            w.putFloats("cls.predictions.bias", new long[] {30522}, new float[30522]);
            w.putLongs("bert.embeddings.position_ids", new long[] {1, 512}, new long[512]);
            w.write(dir.resolve("model.safetensors"));

            Block loaded = HfCheckpoint.load(dir, manager);
            assertTrue(loaded instanceof BertModel);
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(ids, new Shape(1, ids.length));
                assertArrayEquals(run(reference, step, x).toFloatArray(), run(loaded, step, x).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void unsupportedArchitectureAndMissingFilesAreNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("gpt2"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HfCheckpoint.load(dir, manager));
            assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("does not exist"),
                    e.getMessage());
            Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"]}");
            e = assertThrows(IllegalArgumentException.class, () -> HfCheckpoint.load(dir, manager));
            assertTrue(e.getMessage().contains("GPT2LMHeadModel"), e.getMessage());
            Files.copy(FixtureTensors.VIT_TINY.resolve("config.json"), dir.resolve("config.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            e = assertThrows(IllegalArgumentException.class, () -> HfCheckpoint.load(dir, manager));
            assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains(dir.toString()),
                    e.getMessage());
            assertEquals(java.util.List.of(), manager.getManagedArrays());
        }
    }

    /**
     * A sparse file of more than 2 GiB (only written pages use disk) whose BF16 tensor starts beyond 2^31 bytes,
     * after a gap that the reader skips: read through the source, widened to float32.
     */
    @Test
    void readsTensorsBeyondTwoGibibytes() throws IOException {
        assumeTrue(Files.getFileStore(tmp).getUsableSpace() > 3L << 30, "needs 3 GB free in the temp directory");
        long begin = (1L << 31) + 6;
        String header = "{\"small\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"far\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[" + begin + "," + (begin + 6) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = tmp.resolve("large.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array());
            raf.setLength(8 + h.length + begin + 6);
            raf.seek(8 + h.length + begin);
            // bfloat16 is the top half of a float32: 1.0 = 0x3F80, -3.5 = 0xC060, 2^-10 = 0x3A80.
            raf.write(ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
                    .putShort((short) 0x3F80).putShort((short) 0xC060).putShort((short) 0x3A80).array());
        }
        try (SafetensorsTensorSource source = SafetensorsTensorSource.open(file)) {
            assertEquals(java.util.Set.of("small", "far"), source.names());
            assertEquals("BF16", source.dtype("far"));
            assertArrayEquals(new float[] {1f, -3.5f, 1f / 1024}, source.floats("far"), 0f);
            assertArrayEquals(new float[] {1.5f, -2f}, source.floats("small"), 0f);
        }
    }

    @Test
    void shardHoldingAKeyTheIndexDoesNotListIsRejected() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("extra"));
        new SafetensorsWriter().putFloats("a", new long[] {1}, new float[] {1})
                .putFloats("b", SafetensorsDType.F16, new long[] {1}, new float[] {2}).write(dir.resolve("s1.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": \"s1.safetensors\"}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsTensorSource.open(dir));
        assertTrue(e.getMessage().contains("[b]") && e.getMessage().contains("s1.safetensors"), e.getMessage());
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": \"../s1.safetensors\"}}");
        e = assertThrows(IllegalArgumentException.class, () -> SafetensorsTensorSource.open(dir));
        assertTrue(e.getMessage().contains("outside the checkpoint directory"), e.getMessage());
    }
}
