package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 4 GiB file built as a sparse file (only the written pages use disk): tensors start beyond
 * 2^31 and 2^32 bytes, one tensor is over 2 GiB, and its elements are deliberately misaligned so
 * that some straddle the reader's 1 GiB mapping boundaries. The header is written by hand, so this
 * also checks the reader against a layout no Java writer produced.
 */
class SafetensorsLargeFileTest {
    private static final long FILLER_BYTES = (1L << 31) + 5; // U8, odd size: misaligns what follows
    private static final long WIDE_ELEMENTS = (1L << 28) + 2; // F64: 2 GiB + 16 bytes
    private static final long WIDE_BEGIN = FILLER_BYTES;
    private static final long WIDE_END = WIDE_BEGIN + 8 * WIDE_ELEMENTS;
    private static final long TAIL_BEGIN = WIDE_END; // beyond 2^32
    private static final long TAIL_END = TAIL_BEGIN + 16;
    private static final float[] TAIL = {1.5f, -2.5f, 3.5f, 1e30f};

    @TempDir
    Path dir;

    @Test
    void readsTensorsBeyondTwoAndFourGibibytes() throws IOException {
        long usable = Files.getFileStore(dir).getUsableSpace();
        assumeTrue(usable >= 4L << 30, "needs 4 GB free in the temp directory, has " + usable);
        Path f = dir.resolve("large.safetensors");
        try {
            String header = "{\"filler\":{\"dtype\":\"U8\",\"shape\":[" + FILLER_BYTES
                    + "],\"data_offsets\":[0," + FILLER_BYTES + "]},"
                    + "\"wide\":{\"dtype\":\"F64\",\"shape\":[" + WIDE_ELEMENTS
                    + "],\"data_offsets\":[" + WIDE_BEGIN + "," + WIDE_END + "]},"
                    + "\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + TAIL_BEGIN + ","
                    + TAIL_END + "]}}";
            byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
            long dataStart = 8 + headerBytes.length;
            long[] probes = wideProbes(dataStart);
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.write(le(8).putLong(headerBytes.length).array());
                raf.write(headerBytes);
                raf.setLength(dataStart + TAIL_END); // sparse: the holes read as zeros
                for (long i : probes) {
                    raf.seek(dataStart + WIDE_BEGIN + 8 * i);
                    raf.write(le(8).putDouble(valueAt(i)).array());
                }
                ByteBuffer tail = le(16);
                for (float v : TAIL) {
                    tail.putFloat(v);
                }
                raf.seek(dataStart + TAIL_BEGIN);
                raf.write(tail.array());
            }
            assertTrue(Files.size(f) > 1L << 32);

            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                assertEquals(dataStart, sf.dataStart());
                assertEquals(WIDE_END - WIDE_BEGIN, sf.info("wide").byteLength());
                assertTrue(sf.info("wide").byteLength() > Integer.MAX_VALUE);

                assertArrayEquals(TAIL, sf.readFloats("tail"), "tensor beyond 2^32 bytes");

                for (long i : probes) {
                    // A 3-element window around each probe: neighbours are zeros or other probes.
                    long from = Math.max(0, i - 1);
                    float[] got = sf.readFloats("wide", from, (int) Math.min(3, WIDE_ELEMENTS - from));
                    for (int k = 0; k < got.length; k++) {
                        assertEquals(expectedWide(from + k, probes), got[k], "wide[" + (from + k) + "]");
                    }
                }

                // Stream 3 MiB of floats across the 3 GiB region boundary into a direct buffer.
                long start = probes[2] - 400_000;
                FloatBuffer window = ByteBuffer.allocateDirect(4 * 800_000)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                sf.readFloats("wide", start, window);
                for (long i : probes) {
                    if (i >= start && i < start + 800_000) {
                        assertEquals((float) valueAt(i), window.get((int) (i - start)), "window " + i);
                    }
                }
                assertEquals(0.0f, window.get(0));

                SafetensorsException tooMany = assertThrows(SafetensorsException.class,
                        () -> sf.readLongs("filler"));
                assertTrue(tooMany.getMessage().contains("more than one Java array holds"),
                        tooMany.getMessage());
            }
        } finally {
            Files.deleteIfExists(f); // free the space even if @TempDir cleanup is delayed
        }
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Distinct, exactly representable values (i < 2^28 fits a float's 24 bits after scaling). */
    private static double valueAt(long i) {
        return i == 0 ? -7.25 : i * 0.5 + 0.25;
    }

    private static float expectedWide(long i, long[] probes) {
        for (long p : probes) {
            if (p == i) {
                return (float) valueAt(i);
            }
        }
        return 0.0f;
    }

    /**
     * Elements to write: first, last, and the three around each 1 GiB mapping boundary inside the
     * tensor, including the element that straddles the boundary.
     */
    private static long[] wideProbes(long dataStart) {
        long base = dataStart + WIDE_BEGIN;
        long at3 = ((3L << 30) - base) / 8; // the element containing absolute byte 3 GiB
        long at4 = ((4L << 30) - base) / 8;
        assertTrue((base + 8 * at3) % (1L << 30) != 0, "layout must misalign elements");
        return new long[] {0, at3 - 1, at3, at3 + 1, at4 - 1, at4, at4 + 1, WIDE_ELEMENTS - 1};
    }
}
