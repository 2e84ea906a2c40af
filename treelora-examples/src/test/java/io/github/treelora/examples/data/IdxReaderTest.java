package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX parsing and validation on small files whose bytes are laid out by hand here. */
class IdxReaderTest {
    private static final List<String> TEN = Datasets.MNIST_CLASSES;

    @TempDir
    Path dir;

    /** Big-endian header ints followed by payload bytes, as the IDX format specifies. */
    private static byte[] idx(int[] header, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 * header.length + payload.length); // ByteBuffer is big-endian
        for (int h : header) {
            b.putInt(h);
        }
        return b.put(payload).array();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** 3 images of 2x3 pixels: image i has pixel values i*60 + k*10 (k = 0..5), last pixel 255. */
    private static byte[] pixels() {
        byte[] px = new byte[3 * 6];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 6; k++) {
                px[i * 6 + k] = (byte) (i * 60 + k * 10);
            }
        }
        px[17] = (byte) 255;
        return px;
    }

    private Path images() throws IOException {
        return write("img", idx(new int[] {0x803, 3, 2, 3}, pixels()));
    }

    private Path labels(byte... values) throws IOException {
        return write("lbl", idx(new int[] {0x801, values.length}, values));
    }

    @Test
    void parsesImagesAndLabels() throws IOException {
        ImageDataset d = IdxReader.read("tiny", images(), labels((byte) 7, (byte) 0, (byte) 9), TEN);
        assertEquals(3, d.size());
        assertEquals(2, d.height());
        assertEquals(3, d.width());
        assertArrayEquals(new int[] {7, 0, 9}, d.labels());
        // image 1, row 1, col 2 is pixel k = 5: 60 + 50
        assertEquals(110, d.rawPixel(1, 1, 2));
        assertEquals(255, d.rawPixel(2, 1, 2));
        assertArrayEquals(new float[] {0f, 10 / 255f, 20 / 255f, 30 / 255f, 40 / 255f, 50 / 255f}, d.image(0));
        assertEquals(1.0f, d.image(2)[5]);
        assertEquals(160 / 255f, d.image(2)[4]); // 2 * 60 + 4 * 10
    }

    @Test
    void gzippedFilesGiveTheSameDataset() throws IOException {
        ImageDataset plain = IdxReader.read("p", images(), labels((byte) 1, (byte) 2, (byte) 3), TEN);
        Path gzImages = write("img.gz", gzip(idx(new int[] {0x803, 3, 2, 3}, pixels())));
        Path gzLabels = write("lbl.gz", gzip(idx(new int[] {0x801, 3}, new byte[] {1, 2, 3})));
        ImageDataset gz = IdxReader.read("g", gzImages, gzLabels, TEN);
        assertArrayEquals(plain.labels(), gz.labels());
        assertArrayEquals(plain.toFloatArray(new int[] {0, 1, 2}), gz.toFloatArray(new int[] {0, 1, 2}));
    }

    private static String message(IdxCall call) {
        return assertThrows(DatasetFormatException.class, call::run).getMessage();
    }

    private interface IdxCall {
        void run() throws IOException;
    }

    @Test
    void wrongMagicNamesFileAndBothNumbers() throws IOException {
        Path lbl = labels((byte) 1, (byte) 2, (byte) 3);
        String m = message(() -> IdxReader.read("x", lbl, lbl, TEN));
        assertTrue(m.startsWith(lbl.toString()), m);
        assertTrue(m.contains("wrong magic number 0x00000801, expected 0x00000803"), m);
        assertTrue(m.contains("label file"), m);

        Path junk = write("junk", idx(new int[] {0x12345678, 3}, new byte[3]));
        String m2 = message(() -> IdxReader.readLabels(junk, 10));
        assertTrue(m2.contains("wrong magic number 0x12345678, expected 0x00000801"), m2);
    }

    @Test
    void truncatedImageDataIsReported() throws IOException {
        byte[] full = idx(new int[] {0x803, 3, 2, 3}, pixels());
        Path cut = write("cut", Arrays.copyOf(full, full.length - 4));
        String m = message(() -> IdxReader.read("x", cut, labels((byte) 1, (byte) 2, (byte) 3), TEN));
        assertTrue(m.startsWith(cut.toString()), m);
        assertTrue(m.contains("truncated: header declares 3 images of 2x3 = 18 data bytes but only 14"), m);

        byte[] gz = gzip(full);
        Path cutGz = write("cut.gz", Arrays.copyOf(gz, gz.length - 12));
        String mg = message(() -> IdxReader.read("x", cutGz, labels((byte) 1, (byte) 2, (byte) 3), TEN));
        assertTrue(mg.startsWith(cutGz.toString()) && mg.contains("truncated"), mg);

        Path gzShortData = write("short.gz", gzip(Arrays.copyOf(full, full.length - 5)));
        String ms = message(() -> IdxReader.read("x", gzShortData, labels((byte) 1, (byte) 2, (byte) 3), TEN));
        assertTrue(ms.contains("the decompressed data holds only 13"), ms);
    }

    @Test
    void trailingBytesAreReported() throws IOException {
        byte[] full = idx(new int[] {0x801, 2}, new byte[] {1, 2, 3, 4});
        Path f = write("long", full);
        String m = message(() -> IdxReader.readLabels(f, 10));
        assertTrue(m.contains("declares 2 labels = 2 data bytes but 2 trailing bytes follow"), m);
    }

    @Test
    void labelOutOfRangeNamesValueAndIndex() throws IOException {
        Path ten = labels((byte) 3, (byte) 10, (byte) 2);
        String m = message(() -> IdxReader.readLabels(ten, 10));
        assertTrue(m.startsWith(ten.toString()), m);
        assertTrue(m.contains("label 10 at index 1 is outside 0..9 (10 classes)"), m);

        // bytes are unsigned: 0xFF is label 255, never -1
        Path ff = write("ff", idx(new int[] {0x801, 2}, new byte[] {0, (byte) 0xFF}));
        assertTrue(message(() -> IdxReader.readLabels(ff, 10)).contains("label 255 at index 1"));
        assertArrayEquals(new int[] {0, 255}, IdxReader.readLabels(ff, 256));
    }

    @Test
    void imageLabelCountMismatchNamesBothFiles() throws IOException {
        Path img = images();
        Path lbl = labels((byte) 1, (byte) 2);
        String m = message(() -> IdxReader.read("x", img, lbl, TEN));
        assertTrue(m.contains("holds 3 images but label file " + lbl + " holds 2 labels"), m);
    }

    @Test
    void emptyShortAndZeroSizedFilesAreRejected() throws IOException {
        Path empty = write("empty", new byte[0]);
        assertTrue(message(() -> IdxReader.readLabels(empty, 10)).contains("empty file (0 bytes)"));

        Path shortHeader = write("short", new byte[] {0, 0, 8, 3, 0, 0});
        assertTrue(message(() -> IdxReader.read("x", shortHeader, labels((byte) 1), TEN))
                .contains("too short for an IDX header: 6 bytes, need 16"));

        Path zero = write("zero", idx(new int[] {0x803, 0, 28, 28}, new byte[0]));
        assertTrue(message(() -> IdxReader.read("x", zero, labels((byte) 1), TEN))
                .contains("dimension 0 is 0, must be positive"));
    }
}
