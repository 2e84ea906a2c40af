package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact bytes of tiny files, computed by hand (the first four match the byte arrays in the
 * reference implementation's own serializer tests, huggingface/safetensors tensor.rs).
 */
class SafetensorsByteLayoutTest {
    @TempDir
    Path dir;

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Little-endian float32 0..5: 0x00000000, 0x3F800000, 0x40000000, 0x40400000, ... */
    private static final byte[] ZERO_TO_FIVE = bytes(0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64,
            0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64);

    @Test
    void singleF32TensorWhoseHeaderIsAlreadyAligned() throws IOException {
        Path f = dir.resolve("a.safetensors");
        new SafetensorsWriter().putFloats("attn.0", new long[] {1, 2, 3},
                new float[] {0, 1, 2, 3, 4, 5}).write(f);
        // {"attn.0": 10, {"dtype":"F32", 15, "shape":[1,2,3], 16, "data_offsets":[0,24] 21, }} 2 = 64
        byte[] expected = concat(bytes(64, 0, 0, 0, 0, 0, 0, 0),
                ascii("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"),
                ZERO_TO_FIVE);
        assertArrayEquals(expected, Files.readAllBytes(f));

        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(72, sf.dataStart());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, sf.readFloats("attn.0"));
        }
    }

    @Test
    void headerIsPaddedWithSpacesToEightBytes() throws IOException {
        Path f = dir.resolve("b.safetensors");
        new SafetensorsWriter().putFloats("attn0", new long[] {1, 1, 2, 3},
                new float[] {0, 1, 2, 3, 4, 5}).write(f);
        // 9 + 15 + 18 + 21 + 2 = 65 bytes of JSON, padded with 7 spaces to 72.
        byte[] expected = concat(bytes(72, 0, 0, 0, 0, 0, 0, 0),
                ascii("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}"),
                ascii("       "), ZERO_TO_FIVE);
        assertArrayEquals(expected, Files.readAllBytes(f));
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(8 + 72, sf.dataStart());
            assertArrayEquals(new long[] {1, 1, 2, 3}, sf.info("attn0").shape());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, sf.readFloats("attn0"));
        }
    }

    @Test
    void emptyFileAndMetadataOnlyFile() throws IOException {
        Path empty = dir.resolve("empty.safetensors");
        new SafetensorsWriter().write(empty);
        assertArrayEquals(concat(bytes(8, 0, 0, 0, 0, 0, 0, 0), ascii("{}      ")),
                Files.readAllBytes(empty));

        Path meta = dir.resolve("meta.safetensors");
        new SafetensorsWriter().putMetadata("framework", "pt").write(meta);
        // 1 + 14 + 1 + 18 + 1 = 35 bytes, padded with 5 spaces to 40.
        assertArrayEquals(concat(bytes(40, 0, 0, 0, 0, 0, 0, 0),
                ascii("{\"__metadata__\":{\"framework\":\"pt\"}}     ")), Files.readAllBytes(meta));
        try (SafetensorsFile sf = SafetensorsFile.open(meta)) {
            assertEquals(List.of(), sf.names());
            assertEquals("pt", sf.metadata().get("framework"));
        }
    }

    @Test
    void mixedDtypesAreOrderedByDtypeThenNameWithMetadataFirst() throws IOException {
        Path f = dir.resolve("mixed.safetensors");
        // Inserted F16 first: the I64 tensor must still come first (descending dtype order).
        new SafetensorsWriter()
                .putFloats("h", SafetensorsDType.F16, new long[] {2}, new float[] {1.0f, -2.0f})
                .putLongs("n", new long[] {1}, new long[] {1})
                .putMetadata("k", "v")
                .write(f);
        String json = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]}}";
        assertEquals(133, json.length()); // 26 + 53 + 53 + 1, counted by hand
        byte[] expected = concat(bytes(136, 0, 0, 0, 0, 0, 0, 0), ascii(json), ascii("   "),
                bytes(1, 0, 0, 0, 0, 0, 0, 0), // I64 1
                bytes(0x00, 0x3C, 0x00, 0xC0)); // F16 1.0 = 0x3C00, -2.0 = 0xC000
        byte[] actual = Files.readAllBytes(f);
        assertArrayEquals(expected, actual, () -> new String(actual, StandardCharsets.UTF_8));

        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(List.of("n", "h"), sf.names());
            assertEquals(new TensorInfo("h", SafetensorsDType.F16, new long[] {2}, 8, 12),
                    sf.info("h"));
            assertArrayEquals(new float[] {1.0f, -2.0f}, sf.readFloats("h"));
            assertArrayEquals(new long[] {1}, sf.readLongs("n"));
        }
    }

    @Test
    void streamedFloatsAreRoundedAndPlacedLikeAnArray() throws IOException {
        // 600,000 BF16 values: more than one 1 MiB chunk, so the chunk offsets are exercised.
        int n = 600_000;
        Path f = dir.resolve("streamed.safetensors");
        new SafetensorsWriter()
                .putFloats("b", SafetensorsDType.BF16, new long[] {n}, (from, dst, count) -> {
                    for (int i = 0; i < count; i++) {
                        dst[i] = (from + i) % 3 == 0 ? 1.0f : -2.0f; // BF16 0x3F80, 0xC000
                    }
                })
                .putFloats("h", SafetensorsDType.F16, new long[] {2}, (from, dst, count) -> {
                    dst[0] = 1.0f; // F16 0x3C00
                    dst[1] = -2.0f; // F16 0xC000
                })
                .write(f);
        byte[] all = Files.readAllBytes(f);
        long headerLength = (all[0] & 0xFF) | (all[1] & 0xFF) << 8 | (all[2] & 0xFF) << 16;
        int data = (int) (8 + headerLength);
        for (int i : new int[] {0, 1, 2, 3, 524_287, 524_288, 524_289, n - 1}) {
            int lo = all[data + 2 * i] & 0xFF;
            int hi = all[data + 2 * i + 1] & 0xFF;
            assertEquals(i % 3 == 0 ? 0x3F80 : 0xC000, lo | hi << 8, "element " + i);
        }
        assertArrayEquals(bytes(0x00, 0x3C, 0x00, 0xC0), Arrays.copyOfRange(all, data + 2 * n, data + 2 * n + 4));
        assertEquals(data + 2 * n + 4, all.length);
    }

    @Test
    void readsHandBuiltFileWithUnsortedEntriesGapsAndSpacePaddedHeader() throws IOException {
        // Entries out of data order, a 4-byte gap between them, and trailing bytes: tolerated.
        String header = "{\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ";
        byte[] data = concat(SafetensorsTestFiles.f32(1.5f, -2.25f), bytes(9, 9, 9, 9),
                bytes(7, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF), bytes(5, 5));
        Path f = SafetensorsTestFiles.raw(dir.resolve("hand.safetensors"), header, data);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(List.of("b", "a"), sf.names(), "names in header order");
            assertArrayEquals(new float[] {1.5f, -2.25f}, sf.readFloats("a"));
            assertArrayEquals(new int[] {7, -1}, sf.readInts("b"));
            assertEquals(Arrays.asList(sf.info("b"), sf.info("a")), sf.tensors());
        }
    }
}
