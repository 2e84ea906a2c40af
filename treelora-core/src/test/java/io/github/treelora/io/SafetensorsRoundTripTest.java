package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Writer to reader round trips for every dtype, empty tensors, scalars, slices and edge values. */
class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    /** Values that every dtype represents exactly (range-limited for the narrow ones). */
    private static long[] integerSamples(SafetensorsDType t) {
        return switch (t) {
            case BOOL -> new long[] {1, 0, 0, 1, 1, 0};
            case U8 -> new long[] {0, 1, 127, 128, 200, 255};
            case I8 -> new long[] {-128, -1, 0, 1, 100, 127};
            case U16 -> new long[] {0, 1, 255, 256, 40000, 65535};
            case I16 -> new long[] {-32768, -1, 0, 1, 1000, 32767};
            case U32 -> new long[] {0, 1, 65536, 2147483648L, 3000000000L, 4294967295L};
            case I32 -> new long[] {Integer.MIN_VALUE, -1, 0, 1, 123456789, Integer.MAX_VALUE};
            case U64 -> new long[] {0, 1, 4294967296L, 1L << 53, (1L << 62) + 7, Long.MAX_VALUE};
            case I64 -> new long[] {Long.MIN_VALUE, -1, 0, (1L << 53) + 1, 42, Long.MAX_VALUE};
            default -> throw new AssertionError(t);
        };
    }

    @ParameterizedTest
    @EnumSource(value = SafetensorsDType.class, names = {"F16", "BF16", "F32", "F64"})
    void floatingDtypesRoundTripIncludingEmptyAndScalar(SafetensorsDType t) throws IOException {
        // Values exactly representable in F16 and BF16 (few significant bits, moderate exponents),
        // plus signed zero and infinities, so every dtype must reproduce them bit for bit.
        float[] values = {0.0f, -0.0f, 1.0f, -2.5f, 0.375f, 96.0f, -0.015625f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.0f, 1024.0f, -0.5f};
        Path f = dir.resolve(t + ".safetensors");
        new SafetensorsWriter()
                .putFloats("m", t, new long[] {3, 4}, values)
                .putFloats("scalar", t, new long[0], new float[] {-6.0f})
                .putFloats("empty", t, new long[] {0}, new float[0])
                .putFloats("empty2d", t, new long[] {2, 0}, new float[0])
                .write(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(t, sf.info("m").dtype());
            assertEquals(12L * t.byteSize(), sf.info("m").byteLength());
            float[] back = sf.readFloats("m");
            for (int i = 0; i < values.length; i++) {
                assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back[i]),
                        t + " element " + i);
            }
            assertArrayEquals(new float[] {-6.0f}, sf.readFloats("scalar"));
            assertArrayEquals(new double[] {-6.0}, sf.readDoubles("scalar"));
            assertArrayEquals(new long[0], sf.info("scalar").shape());
            assertEquals(0, sf.readFloats("empty").length);
            assertEquals(0, sf.readDoubles("empty2d").length);
            assertArrayEquals(new long[] {2, 0}, sf.info("empty2d").shape());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SafetensorsDType.class,
            names = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64"})
    void integerDtypesRoundTripIncludingExtremes(SafetensorsDType t) throws IOException {
        long[] values = integerSamples(t);
        Path f = dir.resolve(t + ".safetensors");
        new SafetensorsWriter()
                .putLongs("v", t, new long[] {2, 3}, values)
                .putLongs("scalar", t, new long[0], new long[] {1})
                .putLongs("empty", t, new long[] {0}, new long[0])
                .write(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(values, sf.readLongs("v"));
            assertArrayEquals(new long[] {1}, sf.readLongs("scalar"));
            assertArrayEquals(new int[] {1}, sf.readInts("scalar"));
            assertEquals(0, sf.readLongs("empty").length);
            boolean fitsInt = switch (t) {
                case U32, I64, U64 -> false;
                default -> true;
            };
            if (fitsInt) {
                int[] ints = sf.readInts("v");
                for (int i = 0; i < values.length; i++) {
                    assertEquals(values[i], ints[i], t + " element " + i);
                }
            } else {
                SafetensorsException e = assertThrows(SafetensorsException.class, () -> sf.readInts("v"));
                assertTrue(e.getMessage().contains("does not fit a Java int"), e.getMessage());
                assertEquals("v", e.key().orElseThrow());
            }
        }
    }

    @Test
    void convenienceTypesUseTheirNaturalDtypes() throws IOException {
        Path f = dir.resolve("natural.safetensors");
        double[] stats = {0.1, -1e300, Double.MIN_VALUE, Math.PI};
        new SafetensorsWriter()
                .putFloats("f", new long[] {2}, new float[] {0.1f, 7f})
                .putDoubles("d", new long[] {2, 2}, stats)
                .putLongs("l", new long[] {1}, new long[] {Long.MIN_VALUE})
                .putInts("i", new long[] {3}, new int[] {-1, 0, Integer.MAX_VALUE})
                .write(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(SafetensorsDType.F32, sf.info("f").dtype());
            assertEquals(SafetensorsDType.F64, sf.info("d").dtype());
            assertEquals(SafetensorsDType.I64, sf.info("l").dtype());
            assertEquals(SafetensorsDType.I32, sf.info("i").dtype());
            assertArrayEquals(new float[] {0.1f, 7f}, sf.readFloats("f"));
            assertArrayEquals(stats, sf.readDoubles("d"));
            assertArrayEquals(new long[] {Long.MIN_VALUE}, sf.readLongs("l"));
            assertArrayEquals(new int[] {-1, 0, Integer.MAX_VALUE}, sf.readInts("i"));
            assertArrayEquals(new long[] {-1, 0, Integer.MAX_VALUE}, sf.readLongs("i"));
            // Layout: F64 and I64 (8 bytes) before F32 and I32, per the reference order.
            assertEquals(List.of("l", "d", "f", "i"), sf.names());
        }
    }

    @Test
    void largeRandomF32AndBf16TensorsSpanManyWriteChunks() throws IOException {
        // 1.5M floats = 6 MB, more than the writer's 1 MiB chunk: exercises chunk boundaries.
        Random rnd = new Random(7);
        float[] values = new float[1_500_001];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        Path f = dir.resolve("big.safetensors");
        new SafetensorsWriter().putFloats("w", new long[] {values.length}, values)
                .putFloats("w_bf16", SafetensorsDType.BF16, new long[] {values.length}, values)
                .write(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(values, sf.readFloats("w"));
            float[] bf = sf.readFloats("w_bf16");
            for (int i = 0; i < values.length; i += 997) {
                // BF16 keeps 8 significant bits: rounding error at most half an ulp, 2^-8 relative.
                assertEquals(values[i], bf[i], Math.abs(values[i]) * 0x1p-8f, "element " + i);
            }
        }
    }

    @Test
    void slicesAndFloatBuffersReadRowMajorRanges() throws IOException {
        float[] values = new float[5 * 7];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        Path f = dir.resolve("slice.safetensors");
        new SafetensorsWriter().putFloats("m", new long[] {5, 7}, values)
                .putFloats("h", SafetensorsDType.F16, new long[] {5, 7}, values)
                .write(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            for (String name : List.of("m", "h")) {
                // Rows 2..3 of a [5, 7] matrix are elements 14..27.
                float[] rows = sf.readFloats(name, 14, 14);
                for (int i = 0; i < 14; i++) {
                    assertEquals((14 + i) * 0.5f, rows[i], name);
                }
                FloatBuffer heap = FloatBuffer.allocate(10);
                heap.position(3).limit(8); // a 5-float window with a non-zero array offset
                FloatBuffer window = heap.slice();
                heap.clear();
                sf.readFloats(name, 30, window);
                assertEquals(5, window.position());
                assertEquals(15.0f, heap.get(3));
                assertEquals(17.0f, heap.get(7));
                assertEquals(0.0f, heap.get(8), "untouched beyond the window");

                FloatBuffer direct = ByteBuffer.allocateDirect(4 * 35).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                sf.readFloats(name, 0, direct);
                assertFalse(direct.hasRemaining());
                for (int i = 0; i < 35; i++) {
                    assertEquals(values[i], direct.get(i), name);
                }
                assertEquals(0, sf.readFloats(name, 35, 0).length, "empty range at the end");
                assertThrows(IndexOutOfBoundsException.class, () -> sf.readFloats(name, 30, 6));
                assertThrows(IndexOutOfBoundsException.class, () -> sf.readFloats(name, -1, 1));
            }
        }
    }

    @Test
    void metadataNamesAndUnicodeSurvive() throws IOException {
        Path f = dir.resolve("meta.safetensors");
        String name = "层.0/\"quoted\"\\weight\n";
        new SafetensorsWriter().putFloats(name, new long[] {1}, new float[] {2f})
                .putMetadata("format", "pt")
                .putMetadata("note", "τ = 0.5, \"tree\"\t🌲")
                .write(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals(List.of(name), sf.names());
            assertTrue(sf.contains(name));
            assertEquals(Map.of("format", "pt", "note", "τ = 0.5, \"tree\"\t🌲"), sf.metadata());
            assertEquals(List.of("format", "note"), List.copyOf(sf.metadata().keySet()));
            assertArrayEquals(new float[] {2f}, sf.readFloats(name));
        }
    }

    @Test
    void streamingSourceWritesRawBytes() throws IOException {
        Path f = dir.resolve("stream.safetensors");
        new SafetensorsWriter().put("s", SafetensorsDType.I16, new long[] {3}, out -> {
            ByteBuffer b = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort((short) -3).putShort((short) 0).putShort((short) 300).flip();
            out.write(b);
        }).write(f);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertArrayEquals(new int[] {-3, 0, 300}, sf.readInts("s"));
        }
    }

    @Test
    void layoutReportsPlannedOffsets() {
        SafetensorsWriter w = new SafetensorsWriter()
                .putFloats("b", SafetensorsDType.F16, new long[] {3}, new float[3])
                .putFloats("a", SafetensorsDType.F16, new long[] {1}, new float[1])
                .putDoubles("z", new long[] {2}, new double[2]);
        assertEquals(List.of(
                new TensorInfo("z", SafetensorsDType.F64, new long[] {2}, 0, 16),
                new TensorInfo("a", SafetensorsDType.F16, new long[] {1}, 16, 18),
                new TensorInfo("b", SafetensorsDType.F16, new long[] {3}, 18, 24)), w.layout());
    }

    @Test
    void writerRejectsBadArgumentsAtPutTime() {
        SafetensorsWriter w = new SafetensorsWriter().putFloats("x", new long[] {2}, new float[2]);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> w.putFloats("x", new long[] {1}, new float[1]));
        assertTrue(dup.getMessage().contains("'x'"), dup.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> w.putFloats("y", new long[] {2, 3}, new float[5]));
        assertTrue(shape.getMessage().contains("'y'") && shape.getMessage().contains("[2, 3]"),
                shape.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> w.putFloats("neg", new long[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class,
                () -> w.putFloats("__metadata__", new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> w.putFloats("i", SafetensorsDType.I32, new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> w.putLongs("f", SafetensorsDType.F32, new long[] {1}, new long[1]));
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> w.putLongs("u8", SafetensorsDType.U8, new long[] {3}, new long[] {0, 256, 1}));
        assertTrue(range.getMessage().contains("index 1"), range.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> w.putLongs("b", SafetensorsDType.BOOL, new long[] {1}, new long[] {2}));
        assertThrows(IllegalArgumentException.class,
                () -> w.putLongs("u64", SafetensorsDType.U64, new long[] {1}, new long[] {-1}));
        // Failed puts leave the writer unchanged.
        assertEquals(List.of("x"), w.layout().stream().map(TensorInfo::name).toList());
    }

    @Test
    void tensorInfoValidatesAndCopiesItsShape() {
        long[] shape = {2, 3};
        TensorInfo t = new TensorInfo("t", SafetensorsDType.BF16, shape, 10, 22);
        shape[0] = 99;
        assertArrayEquals(new long[] {2, 3}, t.shape());
        t.shape()[1] = 99;
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals(6, t.elementCount());
        assertEquals(12, t.byteLength());
        assertEquals(2, t.rank());
        assertThrows(IllegalArgumentException.class,
                () -> new TensorInfo("t", SafetensorsDType.BF16, new long[] {2, 3}, 10, 20));
        assertThrows(IllegalArgumentException.class,
                () -> new TensorInfo("t", SafetensorsDType.U8, new long[] {1L << 62, 8}, 0, 0));
    }
}
