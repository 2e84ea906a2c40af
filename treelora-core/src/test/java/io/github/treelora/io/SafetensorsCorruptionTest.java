package io.github.treelora.io;

import static io.github.treelora.io.SafetensorsTestFiles.f32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every malformed file is rejected with a {@link SafetensorsFormatException} whose message names
 * the file and, where one is involved, the key; misuse of a valid file raises a
 * {@link SafetensorsException}.
 */
class SafetensorsCorruptionTest {
    @TempDir
    Path dir;

    private static final String OK_ENTRY = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    /** Opens the file, expects a format error naming the file, the key (if any) and a phrase. */
    private SafetensorsFormatException assertRejected(Path file, String key, String phrase) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
                () -> SafetensorsFile.open(file).close());
        String msg = e.getMessage();
        assertTrue(msg.contains(file.getFileName().toString()), "file name missing: " + msg);
        assertEquals(file, e.file());
        if (key != null) {
            assertTrue(msg.contains("'" + key + "'"), "key missing: " + msg);
            assertEquals(Optional.of(key), e.key());
        }
        assertTrue(msg.contains(phrase), "expected '" + phrase + "' in: " + msg);
        return e;
    }

    private Path file(String name, String header, byte[] data) throws IOException {
        return SafetensorsTestFiles.raw(dir.resolve(name), header, data);
    }

    @Test
    void shorterThanTheLengthPrefix() throws IOException {
        Path f = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3, 4, 5});
        assertRejected(f, null, "shorter than the 8-byte");
        Path empty = Files.write(dir.resolve("zero.safetensors"), new byte[0]);
        assertRejected(empty, null, "0 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] header = ("{" + OK_ENTRY + "}").getBytes(StandardCharsets.UTF_8);
        Path f = SafetensorsTestFiles.raw(dir.resolve("len.safetensors"), 1000, header, f32(1, 2));
        assertRejected(f, null, "header length 1000 exceeds");
        // 2^64 - 1 read as unsigned, not as -1.
        Path huge = SafetensorsTestFiles.raw(dir.resolve("huge.safetensors"), -1L, header, f32(1, 2));
        assertRejected(huge, null, "18446744073709551615");
    }

    @Test
    void headerThatIsNotUtf8OrNotJsonOrNotAnObject() throws IOException {
        byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        Path utf = SafetensorsTestFiles.raw(dir.resolve("utf.safetensors"), bad.length, bad, new byte[0]);
        assertRejected(utf, null, "not valid UTF-8");
        assertRejected(file("json.safetensors", "{\"a\":{\"dtype\":", new byte[0]), null,
                "not valid JSON");
        assertRejected(file("trailing.safetensors", "{} {}", new byte[0]), null, "not valid JSON");
        assertRejected(file("array.safetensors", "[1,2]", new byte[0]), null, "not a JSON object");
        assertRejected(file("blank.safetensors", "        ", new byte[0]), null, "not a JSON object");
        assertRejected(file("dup.safetensors", "{" + OK_ENTRY + "," + OK_ENTRY + "}", f32(1, 2)),
                null, "Duplicate field 'a'");
    }

    @Test
    void missingOrUnknownDtype() throws IOException {
        assertRejected(file("nodtype.safetensors",
                "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", f32(1, 2)), "w", "\"dtype\"");
        assertRejected(file("unknown.safetensors",
                "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]),
                "w", "unknown dtype \"F8_E4M3\"");
        assertRejected(file("lower.safetensors",
                "{\"w\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", f32(1, 2)),
                "w", "unknown dtype");
        assertRejected(file("notobj.safetensors", "{\"w\":[1,2]}", new byte[0]), "w",
                "must be a JSON object");
    }

    @Test
    void malformedShapesAndOffsets() throws IOException {
        assertRejected(file("mismatch.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", f32(1, 2)),
                "w", "needs 12 bytes but data_offsets [0, 8] span 8");
        assertRejected(file("negdim.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", f32(1, 2)),
                "w", "negative dimension -2");
        assertRejected(file("reversed.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", f32(1, 2)),
                "w", "begin 8 is after end 0");
        assertRejected(file("fraction.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", f32(1, 2)),
                "w", "not a 64-bit integer");
        assertRejected(file("bigint.safetensors",
                "{\"w\":{\"dtype\":\"U8\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}",
                f32(1, 2)), "w", "not a 64-bit integer");
        assertRejected(file("threeoffsets.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", f32(1, 2)),
                "w", "must have 2 elements");
        assertRejected(file("noshape.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", f32(1, 2)), "w", "\"shape\"");
        assertRejected(file("overflow.safetensors",
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
                f32(1, 2)), "w", "overflows");
    }

    @Test
    void truncatedDataBuffer() throws IOException {
        // The header promises 16 bytes of data; only 8 are present.
        assertRejected(file("truncated.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", f32(1, 2)),
                "w", "extend beyond the data buffer of 8 bytes");
    }

    @Test
    void overlappingTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        SafetensorsFormatException e = assertRejected(file("overlap.safetensors", header,
                f32(1, 2, 3)), "b", "overlap tensor 'a'");
        assertTrue(e.getMessage().contains("[0, 8]"), e.getMessage());
        // An empty tensor inside another one occupies no bytes: accepted.
        String empty = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}";
        try (SafetensorsFile sf = SafetensorsFile.open(file("emptyinside.safetensors", empty, f32(1, 2)))) {
            assertEquals(0, sf.readFloats("e").length);
        }
    }

    @Test
    void badMetadata() throws IOException {
        assertRejected(file("metanum.safetensors", "{\"__metadata__\":{\"epoch\":3}}", new byte[0]),
                "__metadata__", "value of 'epoch' must be a string");
        assertRejected(file("metaarr.safetensors", "{\"__metadata__\":[\"x\"]}", new byte[0]),
                "__metadata__", "must be a JSON object");
    }

    @Test
    void misuseOfAValidFile() throws IOException {
        Path f = dir.resolve("valid.safetensors");
        new SafetensorsWriter()
                .putFloats("layer.0.weight", new long[] {2}, new float[] {1, 2})
                .putLongs("step", new long[] {1}, new long[] {5})
                .putLongs("big", SafetensorsDType.U64, new long[] {1}, new long[] {0})
                .write(f);
        // Make the U64 value 2^64 - 1, which no long holds.
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            long pos;
            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                pos = sf.dataStart() + sf.info("big").begin();
            }
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).flip(), pos);
        }
        SafetensorsFile sf = SafetensorsFile.open(f);
        try (sf) {
            SafetensorsException absent = assertThrows(SafetensorsException.class,
                    () -> sf.readFloats("layer.0.wieght"));
            assertFalse(absent instanceof SafetensorsFormatException, "not a format problem");
            assertTrue(absent.getMessage().contains("valid.safetensors"), absent.getMessage());
            assertTrue(absent.getMessage().contains("'layer.0.wieght'"), absent.getMessage());
            assertTrue(absent.getMessage().contains("layer.0.weight"), "lists names: " + absent.getMessage());
            assertThrows(SafetensorsException.class, () -> sf.info("nope"));
            assertFalse(sf.contains("nope"));

            SafetensorsException asFloat = assertThrows(SafetensorsException.class,
                    () -> sf.readFloats("step"));
            assertTrue(asFloat.getMessage().contains("dtype is I64"), asFloat.getMessage());
            assertThrows(SafetensorsException.class, () -> sf.readDoubles("step"));
            assertThrows(SafetensorsException.class, () -> sf.readLongs("layer.0.weight"));
            assertThrows(SafetensorsException.class, () -> sf.readInts("layer.0.weight"));

            SafetensorsException u64 = assertThrows(SafetensorsException.class, () -> sf.readLongs("big"));
            assertTrue(u64.getMessage().contains("18446744073709551615"), u64.getMessage());
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> sf.readFloats("layer.0.weight"));
        assertTrue(closed.getMessage().contains("closed"));
    }

    @Test
    void headerExceptionsAreIoExceptions() {
        Executable open = () -> SafetensorsFile.open(dir.resolve("absent.safetensors"));
        IOException e = assertThrows(IOException.class, open);
        assertInstanceOf(java.nio.file.NoSuchFileException.class, e);
    }
}
