package io.github.treelora.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST-style IDX files (unsigned-byte images and labels), plain or gzip-compressed (detected from
 * the content, not the file name).
 *
 * <p>Format: a big-endian magic number {@code 0x00000803} (images, 3 dimensions) or {@code 0x00000801}
 * (labels, 1 dimension), one big-endian 32-bit size per dimension, then the bytes. Everything is
 * checked: magic number, positive dimensions, exact data length (truncated files and trailing bytes are
 * errors), label range and matching image/label counts. Every error is a {@link DatasetFormatException}
 * whose message starts with the file.
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int MAX_BYTES = Integer.MAX_VALUE - 16;

    private IdxReader() {}

    /**
     * Reads an image file and its label file into one dataset.
     *
     * @param name the dataset name used in messages
     * @param images the IDX image file ({@link #IMAGES_MAGIC})
     * @param labels the IDX label file ({@link #LABELS_MAGIC})
     * @param classNames the class names; every label must be below their count
     * @return the dataset
     * @throws DatasetFormatException if either file is invalid or their counts differ
     * @throws IOException if a file cannot be read
     */
    public static ImageDataset read(String name, Path images, Path labels, List<String> classNames)
            throws IOException {
        int[] lb = readLabels(labels, classNames.size());
        Idx img = readIdx(images, IMAGES_MAGIC, 3);
        if (img.dims[0] != lb.length) {
            throw new DatasetFormatException(images, "holds " + img.dims[0] + " images but label file " + labels
                    + " holds " + lb.length + " labels");
        }
        return ImageDataset.wrap(name, img.dims[1], img.dims[2], img.data, lb, classNames);
    }

    /**
     * Reads an IDX label file.
     *
     * @param file the file ({@link #LABELS_MAGIC})
     * @param numClasses labels must lie in {@code 0..numClasses-1}
     * @return a new array with one label per sample
     * @throws DatasetFormatException if the file is invalid or a label is out of range
     * @throws IOException if the file cannot be read
     */
    public static int[] readLabels(Path file, int numClasses) throws IOException {
        if (numClasses < 1 || numClasses > 256) {
            throw new IllegalArgumentException("numClasses must be in 1..256 for byte labels, got " + numClasses);
        }
        Idx idx = readIdx(file, LABELS_MAGIC, 1);
        int[] labels = new int[idx.data.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = idx.data[i] & 0xFF;
        }
        int bad = Checks.firstLabelOutOfRange(labels, numClasses);
        if (bad >= 0) {
            throw new DatasetFormatException(file, "label " + labels[bad] + " at index " + bad + " is outside 0.."
                    + (numClasses - 1) + " (" + numClasses + " classes)");
        }
        return labels;
    }

    /** Dimensions and payload of one IDX file. */
    private record Idx(int[] dims, byte[] data) {}

    private static Idx readIdx(Path file, int magic, int rank) throws IOException {
        long fileSize = Files.size(file);
        if (fileSize == 0) {
            throw new DatasetFormatException(file, "empty file (0 bytes), expected an IDX file");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            boolean gzip = isGzip(raw);
            try (DataInputStream in = new DataInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw)) {
                return readBody(file, in, gzip, fileSize, magic, rank);
            } catch (EOFException | ZipException e) {
                if (!gzip) {
                    throw e;
                }
                throw new DatasetFormatException(file, "corrupt or truncated gzip data (" + e.getMessage() + ")", e);
            }
        }
    }

    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    private static Idx readBody(Path file, DataInputStream in, boolean gzip, long fileSize, int magic, int rank)
            throws IOException {
        long headerBytes = 4L + 4L * rank;
        // the magic number comes first so that a swapped image/label file is reported as such
        int actualMagic = readHeaderInt(file, in, headerBytes);
        if (actualMagic != magic) {
            throw new DatasetFormatException(file, String.format("wrong magic number 0x%08x, expected 0x%08x (%s)",
                    actualMagic, magic, magic == IMAGES_MAGIC ? "IDX unsigned-byte images, 3 dimensions"
                            : "IDX unsigned-byte labels, 1 dimension")
                    + (actualMagic == IMAGES_MAGIC || actualMagic == LABELS_MAGIC
                            ? "; is this the " + (actualMagic == IMAGES_MAGIC ? "image" : "label") + " file?" : ""));
        }
        if (!gzip && fileSize < headerBytes) {
            throw new DatasetFormatException(file, "too short for an IDX header: " + fileSize + " bytes, need "
                    + headerBytes);
        }
        int[] dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++) {
            dims[d] = readHeaderInt(file, in, headerBytes);
            if (dims[d] <= 0) {
                throw new DatasetFormatException(file, "dimension " + d + " is " + dims[d] + ", must be positive");
            }
            count *= dims[d];
            if (count > MAX_BYTES) {
                throw new DatasetFormatException(file, "declares more than " + MAX_BYTES + " bytes of data");
            }
        }
        String declared = "header declares " + describe(dims) + " = " + count + " data bytes";
        if (!gzip && fileSize != headerBytes + count) {
            long have = fileSize - headerBytes;
            throw new DatasetFormatException(file, have < count
                    ? "truncated: " + declared + " but only " + have + " follow the header"
                    : declared + " but " + (have - count) + " trailing bytes follow them");
        }
        byte[] data = in.readNBytes((int) count);
        if (data.length < count) {
            throw new DatasetFormatException(file, "truncated: " + declared + " but the decompressed data holds only "
                    + data.length);
        }
        if (in.read() != -1) {
            throw new DatasetFormatException(file, declared + " but more data follows them");
        }
        return new Idx(dims, data);
    }

    private static int readHeaderInt(Path file, DataInputStream in, long headerBytes) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DatasetFormatException(file, "too short for an IDX header of " + headerBytes + " bytes", e);
        }
    }

    private static String describe(int[] dims) {
        return dims.length == 1 ? dims[0] + " labels" : dims[0] + " images of " + dims[1] + "x" + dims[2];
    }
}
