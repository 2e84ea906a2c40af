package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decodes files produced by src/test/python/make_safetensors_fixture.py, which follows the
 * reference serializer's rules and takes its numbers from numpy (F16) and PyTorch (BF16).
 */
class SafetensorsFixtureTest {
    private static Path fixture;
    private static JsonNode expected;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        fixture = SafetensorsTestFiles.resource("fixture.safetensors");
        expected = new ObjectMapper().readTree(
                SafetensorsTestFiles.resource("fixture.expected.json").toFile());
    }

    private static JsonNode tensor(String name) {
        return expected.get("tensors").get(name);
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).longValue();
        }
        return out;
    }

    private static float[] floatsFromBits(JsonNode bits) {
        float[] out = new float[bits.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat((int) bits.get(i).longValue());
        }
        return out;
    }

    /** Compares floats by bit pattern so that -0.0, infinities and subnormals are exact. */
    private static void assertSameBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            int wi = i;
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    () -> what + "[" + wi + "]: want " + want[wi] + " got " + got[wi]);
        }
    }

    @Test
    void headerMatchesGenerator() throws IOException {
        try (SafetensorsFile sf = SafetensorsFile.open(fixture)) {
            List<String> order = new ArrayList<>();
            expected.get("order").forEach(n -> order.add(n.textValue()));
            assertEquals(order, sf.names());
            assertEquals(Map.of("format", "pt"), sf.metadata());
            for (String name : order) {
                JsonNode t = tensor(name);
                TensorInfo info = sf.info(name);
                assertEquals(t.get("dtype").textValue(), info.dtype().headerName(), name);
                assertArrayEquals(longs(t.get("shape")), info.shape(), name);
                assertArrayEquals(longs(t.get("data_offsets")),
                        new long[] {info.begin(), info.end()}, name);
            }
            assertEquals(0, sf.info("f64").rank(), "scalar");
            assertEquals(1, sf.info("f64").elementCount());
            assertEquals(0, sf.info("empty").elementCount());
        }
    }

    @Test
    void floatTensorsWidenLikeNumpyAndTorch() throws IOException {
        try (SafetensorsFile sf = SafetensorsFile.open(fixture)) {
            for (String name : List.of("f32", "f16", "bf16", "empty")) {
                float[] want = floatsFromBits(tensor(name).get("float32_bits"));
                assertSameBits(want, sf.readFloats(name), name);
                double[] asDoubles = sf.readDoubles(name);
                for (int i = 0; i < want.length; i++) {
                    // Every float is exactly a double, so widening must agree exactly.
                    assertEquals((double) want[i], asDoubles[i], 0.0, name + "[" + i + "]");
                }
            }
            double tenth = Double.longBitsToDouble(tensor("f64").get("float64_bits").get(0).longValue());
            assertEquals(0.1, tenth, 0.0);
            assertArrayEquals(new double[] {tenth}, sf.readDoubles("f64"));
            assertArrayEquals(new float[] {0.1f}, sf.readFloats("f64"), "F64 rounds to nearest float");
        }
    }

    @Test
    void integerTensorsDecodeExactly() throws IOException {
        try (SafetensorsFile sf = SafetensorsFile.open(fixture)) {
            long[] i64 = longs(tensor("i64").get("values"));
            assertEquals((1L << 62) + 1, i64[1]); // the generator's 2**62 + 1
            assertArrayEquals(i64, sf.readLongs("i64"));
            long[] i32 = longs(tensor("i32").get("values"));
            assertArrayEquals(i32, sf.readLongs("i32"));
            int[] i32AsInts = sf.readInts("i32");
            for (int i = 0; i < i32.length; i++) {
                assertEquals(i32[i], i32AsInts[i]);
            }
            assertArrayEquals(longs(tensor("u8").get("values")), sf.readLongs("u8"));
            assertArrayEquals(new int[] {0, 200, 255}, sf.readInts("u8"), "U8 is unsigned");
            assertArrayEquals(longs(tensor("bool").get("values")), sf.readLongs("bool"));
        }
    }

    @Test
    void writerReproducesTheGeneratorsFileByteForByte() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        // Insert in a different order than the file's: the writer's layout rule must restore it.
        w.putLongs("bool", SafetensorsDType.BOOL, new long[] {2}, longs(tensor("bool").get("values")));
        w.putFloats("f16", SafetensorsDType.F16, new long[] {10},
                floatsFromBits(tensor("f16").get("input_float32_bits")));
        w.putFloats("bf16", SafetensorsDType.BF16, new long[] {2, 4},
                floatsFromBits(tensor("bf16").get("input_float32_bits")));
        w.putFloats("f32", new long[] {2, 3}, floatsFromBits(tensor("f32").get("float32_bits")));
        w.putFloats("empty", new long[] {0, 4}, new float[0]);
        w.putDoubles("f64", new long[0],
                new double[] {Double.longBitsToDouble(tensor("f64").get("float64_bits").get(0).longValue())});
        long[] i32 = longs(tensor("i32").get("values"));
        int[] i32Ints = new int[i32.length];
        for (int i = 0; i < i32.length; i++) {
            i32Ints[i] = (int) i32[i];
        }
        w.putInts("i32", new long[] {2, 2}, i32Ints);
        w.putLongs("u8", SafetensorsDType.U8, new long[] {3}, longs(tensor("u8").get("values")));
        w.putLongs("i64", new long[] {3}, longs(tensor("i64").get("values")));
        w.putMetadata("format", "pt");
        Path out = dir.resolve("java.safetensors");
        w.write(out);
        // F16 and BF16 were rounded by the Java writer from the same float32 inputs numpy and torch
        // rounded, so equal bytes also prove the rounding.
        assertArrayEquals(Files.readAllBytes(fixture), Files.readAllBytes(out));
    }

    @Test
    void halfPrecisionConversionsMatchNumpyAndTorchOnLargeSamples() throws IOException {
        try (SafetensorsFile sf = SafetensorsFile.open(SafetensorsTestFiles.resource("halfconv.safetensors"))) {
            assertTrue(sf.metadata().get("reference").contains("numpy"));
            // All 65536 F16 bit patterns widened by numpy (NaN payloads included).
            float[] all = sf.readFloats("f16_all");
            float[] numpyAll = sf.readFloats("f16_all_as_f32");
            assertEquals(65536, all.length);
            assertSameBits(numpyAll, all, "f16_all");

            // Narrowing: the writer must round float32 samples exactly as numpy (F16) and torch (BF16).
            float[] samples = sf.readFloats("samples_f32");
            SafetensorsWriter w = new SafetensorsWriter()
                    .putFloats("samples_f16", SafetensorsDType.F16, new long[] {samples.length}, samples)
                    .putFloats("samples_bf16", SafetensorsDType.BF16, new long[] {samples.length}, samples);
            Path out = dir.resolve("rounded.safetensors");
            w.write(out);
            try (SafetensorsFile mine = SafetensorsFile.open(out)) {
                assertSameBits(sf.readFloats("samples_f16"), mine.readFloats("samples_f16"), "F16 rounding");
                assertSameBits(sf.readFloats("samples_bf16"), mine.readFloats("samples_bf16"),
                        "BF16 rounding");
            }
        }
    }
}
