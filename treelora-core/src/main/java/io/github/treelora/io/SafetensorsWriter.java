package io.github.treelora.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Collects named tensors and string metadata, then writes them as one safetensors file,
 * atomically.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .putFloats("task_vector", new long[] {3, 4}, values)      // F32
 *     .putLongs("counts", new long[] {3}, counts)               // I64
 *     .putMetadata("format", "pt")
 *     .write(path);
 * }</pre>
 *
 * <h2>Layout</h2>
 * Like the reference Python/Rust serializer, tensors are laid out sorted by dtype in descending
 * {@link SafetensorsDType} declaration order (U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16,
 * I8, U8, BOOL) and then by name (UTF-8 byte order), not in insertion order. Together with the
 * header being padded with spaces to a multiple of 8 bytes this aligns every tensor's data to its
 * element size, which zero-copy readers need. The header JSON is compact, with
 * {@code __metadata__} first (omitted when empty, metadata in insertion order) and tensor entries
 * in data order, each as {@code {"dtype":..,"shape":[..],"data_offsets":[begin,end]}}: the same
 * bytes Python's {@code safetensors.save_file} produces for the same tensors and a single
 * metadata entry. {@link #layout()} shows the planned entries.
 *
 * <h2>Atomicity</h2>
 * {@link #write(Path)} writes to a new temporary file in the target's directory, forces it to disk,
 * then renames it over the target ({@code ATOMIC_MOVE}, falling back to {@code REPLACE_EXISTING}
 * where the file system cannot rename atomically) and finally syncs the directory. A failure or a
 * crash at any point leaves an existing target untouched, and on failure the temporary file is
 * deleted.
 *
 * <h2>Data ownership</h2>
 * Arrays passed to the {@code put} methods are not copied (task vectors and checkpoints can be
 * hundreds of megabytes): they must not be modified until {@code write} returns. Arguments are
 * validated when a tensor is put, so a bad tensor is reported at its {@code put} call, naming it.
 * Instances are not thread-safe; a writer may be written several times.
 */
public final class SafetensorsWriter {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * Streams the raw bytes of one tensor: little-endian, row-major, exactly
     * {@code elementCount * dtype.byteSize()} bytes. Used for data that is not in a Java array or is
     * too large for one.
     */
    @FunctionalInterface
    public interface TensorDataSource {
        /**
         * Writes the tensor's bytes.
         *
         * @param out the destination; writing more bytes than declared fails, and closing it has
         *     no effect
         * @throws IOException when the data cannot be produced or written; the file is then not
         *     replaced
         */
        void writeTo(WritableByteChannel out) throws IOException;
    }

    /** Fills {@code dst} (little-endian, absolute indices from 0) with elements [from, from + n). */
    @FunctionalInterface
    private interface ChunkEncoder {
        void encode(ByteBuffer dst, int from, int n);
    }

    private record Entry(String name, SafetensorsDType dtype, long[] shape, long byteLength,
            TensorDataSource source) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Creates an empty writer. */
    public SafetensorsWriter() {
    }

    /**
     * Adds an F32 tensor.
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param shape dimensions (empty for a scalar); their product must equal {@code data.length}
     * @param data values in row-major order (not copied)
     * @return this writer
     * @throws IllegalArgumentException for a duplicate or reserved name or a shape mismatch
     */
    public SafetensorsWriter putFloats(String name, long[] shape, float[] data) {
        return putFloats(name, SafetensorsDType.F32, shape, data);
    }

    /**
     * Adds a floating-point tensor stored as {@code dtype}. F16 and BF16 are rounded to nearest,
     * ties to even (as numpy and PyTorch do), overflowing to infinity; F64 widens exactly.
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param dtype F32, F16, BF16 or F64
     * @param shape dimensions; their product must equal {@code data.length}
     * @param data values in row-major order (not copied)
     * @return this writer
     * @throws IllegalArgumentException for a non-floating dtype, a duplicate or reserved name or a
     *     shape mismatch
     */
    public SafetensorsWriter putFloats(String name, SafetensorsDType dtype, long[] shape,
            float[] data) {
        Objects.requireNonNull(data, "data");
        requireKind(name, dtype, true);
        return putArray(name, dtype, shape, data.length, floatEncoder(dtype, data));
    }

    /**
     * Produces a floating-point tensor's values in row-major order, a chunk at a time, when they are
     * computed rather than held (e.g. a multi-gigabyte random tensor).
     */
    @FunctionalInterface
    public interface FloatChunks {
        /**
         * Fills {@code dst[0, n)} with the values of elements {@code [from, from + n)}.
         *
         * @param from index of the first element
         * @param dst the chunk to fill
         * @param n number of values
         */
        void fill(long from, float[] dst, int n);
    }

    /**
     * Adds a floating-point tensor whose values are produced by {@code values} at write time, chunk
     * by chunk, rounded as {@link #putFloats(String, SafetensorsDType, long[], float[])} rounds
     * them; no array of the whole tensor is ever held.
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param dtype F32, F16, BF16 or F64
     * @param shape dimensions
     * @param values fills chunks in order; called once per chunk at every {@link #write(Path)}
     * @return this writer
     * @throws IllegalArgumentException for a non-floating dtype, a duplicate or reserved name or a
     *     negative dimension
     */
    public SafetensorsWriter putFloats(String name, SafetensorsDType dtype, long[] shape,
            FloatChunks values) {
        Objects.requireNonNull(values, "values");
        requireKind(name, dtype, true);
        long[] dims = Objects.requireNonNull(shape, "shape").clone();
        int size = dtype.byteSize();
        TensorDataSource source = out -> {
            long count = TensorInfo.elementCount(dims); // validated by add before any write
            int perChunk = (int) Math.max(1, Math.min(CHUNK_BYTES / size, count));
            float[] chunk = new float[perChunk];
            ChunkEncoder enc = floatEncoder(dtype, chunk);
            ByteBuffer buf = ByteBuffer.allocate(perChunk * size).order(ByteOrder.LITTLE_ENDIAN);
            for (long from = 0; from < count; from += perChunk) {
                int n = (int) Math.min(perChunk, count - from);
                values.fill(from, chunk, n);
                buf.clear();
                enc.encode(buf, 0, n);
                buf.limit(n * size);
                writeFully(out, buf);
            }
        };
        return add(name, dtype, dims, -1, source);
    }

    /** Encodes {@code data[from, from + n)} as {@code dtype} (a floating type), rounding to nearest even. */
    private static ChunkEncoder floatEncoder(SafetensorsDType dtype, float[] data) {
        return switch (dtype) {
            case F32 -> (dst, from, n) -> dst.asFloatBuffer().put(data, from, n);
            case F64 -> (dst, from, n) -> {
                for (int i = 0; i < n; i++) {
                    dst.putDouble(8 * i, data[from + i]);
                }
            };
            case F16 -> (dst, from, n) -> {
                for (int i = 0; i < n; i++) {
                    dst.putShort(2 * i, HalfFloats.floatToF16(data[from + i]));
                }
            };
            case BF16 -> (dst, from, n) -> {
                for (int i = 0; i < n; i++) {
                    dst.putShort(2 * i, HalfFloats.floatToBf16(data[from + i]));
                }
            };
            default -> throw new AssertionError(dtype);
        };
    }

    /**
     * Adds an F64 tensor.
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param shape dimensions; their product must equal {@code data.length}
     * @param data values in row-major order (not copied)
     * @return this writer
     * @throws IllegalArgumentException for a duplicate or reserved name or a shape mismatch
     */
    public SafetensorsWriter putDoubles(String name, long[] shape, double[] data) {
        Objects.requireNonNull(data, "data");
        return putArray(name, SafetensorsDType.F64, shape, data.length,
                (dst, from, n) -> dst.asDoubleBuffer().put(data, from, n));
    }

    /**
     * Adds an I64 tensor.
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param shape dimensions; their product must equal {@code data.length}
     * @param data values in row-major order (not copied)
     * @return this writer
     * @throws IllegalArgumentException for a duplicate or reserved name or a shape mismatch
     */
    public SafetensorsWriter putLongs(String name, long[] shape, long[] data) {
        return putLongs(name, SafetensorsDType.I64, shape, data);
    }

    /**
     * Adds an integer or BOOL tensor stored as {@code dtype}; every value must fit the dtype
     * (U64 accepts 0 to {@link Long#MAX_VALUE}, BOOL accepts 0 and 1).
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param dtype I64, I32, I16, I8, U64, U32, U16, U8 or BOOL
     * @param shape dimensions; their product must equal {@code data.length}
     * @param data values in row-major order (not copied)
     * @return this writer
     * @throws IllegalArgumentException for a floating dtype, a value out of range (naming its
     *     index), a duplicate or reserved name or a shape mismatch
     */
    public SafetensorsWriter putLongs(String name, SafetensorsDType dtype, long[] shape,
            long[] data) {
        Objects.requireNonNull(data, "data");
        requireKind(name, dtype, false);
        for (int i = 0; i < data.length; i++) {
            if (!fits(dtype, data[i])) {
                throw new IllegalArgumentException("tensor '" + name + "': value " + data[i]
                        + " at index " + i + " does not fit " + dtype);
            }
        }
        ChunkEncoder enc = switch (dtype) {
            case I64, U64 -> (dst, from, n) -> dst.asLongBuffer().put(data, from, n);
            case I32, U32 -> (dst, from, n) -> {
                for (int i = 0; i < n; i++) {
                    dst.putInt(4 * i, (int) data[from + i]);
                }
            };
            case I16, U16 -> (dst, from, n) -> {
                for (int i = 0; i < n; i++) {
                    dst.putShort(2 * i, (short) data[from + i]);
                }
            };
            case I8, U8, BOOL -> (dst, from, n) -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, (byte) data[from + i]);
                }
            };
            default -> throw new AssertionError(dtype);
        };
        return putArray(name, dtype, shape, data.length, enc);
    }

    /**
     * Adds an I32 tensor.
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param shape dimensions; their product must equal {@code data.length}
     * @param data values in row-major order (not copied)
     * @return this writer
     * @throws IllegalArgumentException for a duplicate or reserved name or a shape mismatch
     */
    public SafetensorsWriter putInts(String name, long[] shape, int[] data) {
        Objects.requireNonNull(data, "data");
        return putArray(name, SafetensorsDType.I32, shape, data.length,
                (dst, from, n) -> dst.asIntBuffer().put(data, from, n));
    }

    /**
     * Adds a tensor whose raw bytes are streamed by {@code source} at write time.
     *
     * @param name tensor name, unique, not {@code "__metadata__"}
     * @param dtype element type
     * @param shape dimensions
     * @param source writes exactly {@code product(shape) * dtype.byteSize()} bytes; writing fewer or
     *     more makes {@link #write(Path)} fail without touching the target
     * @return this writer
     * @throws IllegalArgumentException for a duplicate or reserved name or a negative dimension
     */
    public SafetensorsWriter put(String name, SafetensorsDType dtype, long[] shape,
            TensorDataSource source) {
        Objects.requireNonNull(source, "source");
        return add(name, dtype, shape, -1, source);
    }

    /**
     * Adds (or replaces) a {@code __metadata__} entry.
     *
     * @param key metadata key
     * @param value metadata value
     * @return this writer
     */
    public SafetensorsWriter putMetadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Returns the tensors as they will be laid out: in file order, with offsets relative to the
     * data buffer.
     *
     * @return an immutable list, one entry per tensor put
     */
    public List<TensorInfo> layout() {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparing((Entry e) -> e.dtype().ordinal(), Comparator.reverseOrder())
                .thenComparing(e -> e.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        List<TensorInfo> out = new ArrayList<>(sorted.size());
        long offset = 0;
        for (Entry e : sorted) {
            out.add(new TensorInfo(e.name(), e.dtype(), e.shape(), offset, offset + e.byteLength()));
            offset += e.byteLength();
        }
        return List.copyOf(out);
    }

    /**
     * Writes all tensors and metadata to {@code target} atomically (see the class description).
     *
     * @param target the file to create or replace; its directory must exist
     * @throws SafetensorsException when a {@link TensorDataSource} writes the wrong number of bytes
     *     or the header exceeds the format's 100,000,000-byte limit
     * @throws IOException when writing or renaming fails; the target is then unchanged
     */
    public void write(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        List<TensorInfo> layout = layout();
        byte[] header = header(layout);
        if (header.length > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new SafetensorsException(target, null, "header of " + header.length
                    + " bytes exceeds the format's limit of " + SafetensorsFile.MAX_HEADER_BYTES);
        }
        ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(header.length).put(header).flip();

        Path tmp = null;
        try {
            FileChannel ch = null;
            while (ch == null) {
                tmp = dir.resolve("." + abs.getFileName() + "."
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    tmp = null; // name taken by a concurrent writer: draw another
                }
            }
            try (FileChannel out = ch) {
                writeFully(out, prefix);
                for (TensorInfo t : layout) {
                    Entry e = entries.get(t.name());
                    BoundedChannel bounded = new BoundedChannel(out, target, t.name(), t.byteLength());
                    e.source().writeTo(bounded);
                    if (bounded.written != t.byteLength()) {
                        throw new SafetensorsException(target, t.name(), "data source wrote "
                                + bounded.written + " bytes, expected " + t.byteLength());
                    }
                }
                out.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable failure) {
            // Never leave a half-written temporary file; the target was not touched.
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException cleanup) {
                    failure.addSuppressed(cleanup);
                }
            }
            throw failure;
        }
        syncDirectory(dir);
    }

    // ---------------------------------------------------------------- helpers

    /** Makes the rename durable; not every platform can open a directory, which is harmless. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The data file itself is already on disk; only the rename's durability is best-effort.
        }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /** Compact JSON header, padded with spaces to a multiple of 8 bytes like the reference. */
    private byte[] header(List<TensorInfo> layout) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // Default Jackson settings give compact JSON with raw UTF-8, matching serde_json's output.
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart(SafetensorsFile.METADATA_KEY);
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            for (TensorInfo t : layout) {
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", t.dtype().headerName());
                long[] shape = t.shape();
                g.writeFieldName("shape");
                g.writeArray(shape, 0, shape.length);
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(t.begin());
                g.writeNumber(t.end());
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        int pad = (8 - bytes.size() % 8) % 8;
        for (int i = 0; i < pad; i++) {
            bytes.write(' ');
        }
        return bytes.toByteArray();
    }

    private static boolean fits(SafetensorsDType dtype, long v) {
        return switch (dtype) {
            case I64 -> true;
            case U64 -> v >= 0;
            case I32 -> v == (int) v;
            case U32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case I16 -> v == (short) v;
            case U16 -> v >= 0 && v <= 0xFFFF;
            case I8 -> v == (byte) v;
            case U8 -> v >= 0 && v <= 0xFF;
            case BOOL -> v == 0 || v == 1;
            default -> false;
        };
    }

    private static void requireKind(String name, SafetensorsDType dtype, boolean floating) {
        Objects.requireNonNull(dtype, "dtype");
        if (dtype.isFloatingPoint() != floating) {
            throw new IllegalArgumentException("tensor '" + name + "': dtype " + dtype + " cannot be"
                    + " written from " + (floating ? "float values; use putLongs" : "long values; use putFloats"));
        }
    }

    private SafetensorsWriter putArray(String name, SafetensorsDType dtype, long[] shape, int length,
            ChunkEncoder encoder) {
        int size = dtype.byteSize();
        TensorDataSource source = out -> {
            // long arithmetic: arrays near Integer.MAX_VALUE elements exceed 2^31 bytes
            int capacity = (int) Math.min(CHUNK_BYTES, Math.max(size, (long) length * size));
            ByteBuffer buf = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
            int perChunk = capacity / size;
            for (long from = 0; from < length; from += perChunk) {
                int n = (int) Math.min(perChunk, length - from);
                buf.clear();
                encoder.encode(buf, (int) from, n);
                buf.limit(n * size);
                writeFully(out, buf);
            }
        };
        return add(name, dtype, shape, length, source);
    }

    /** Validates and records a tensor; {@code length} is the array length or -1 for a stream. */
    private SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, long length,
            TensorDataSource source) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        long[] dims = Objects.requireNonNull(shape, "shape").clone();
        if (SafetensorsFile.METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("'" + name + "' is reserved for metadata");
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already put");
        }
        long count;
        try {
            count = TensorInfo.elementCount(dims);
            // Validates dimensions and the byte count via the shared checks.
            new TensorInfo(name, dtype, dims, 0, Math.multiplyExact(count, (long) dtype.byteSize()));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(dims)
                    + " overflows a 64-bit element count", e);
        }
        if (length >= 0 && count != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(dims)
                    + " has " + count + " elements but " + length + " values were given");
        }
        entries.put(name, new Entry(name, dtype, dims, count * dtype.byteSize(), source));
        return this;
    }

    /** Passes writes through, counting bytes and refusing any beyond the tensor's length. */
    private static final class BoundedChannel implements WritableByteChannel {
        private final WritableByteChannel out;
        private final Path target;
        private final String name;
        private final long limit;
        long written;

        BoundedChannel(WritableByteChannel out, Path target, String name, long limit) {
            this.out = out;
            this.target = target;
            this.name = name;
            this.limit = limit;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (src.remaining() > limit - written) {
                throw new SafetensorsException(target, name, "data source wrote more than the "
                        + limit + " bytes its dtype and shape declare");
            }
            int n = out.write(src);
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {
            // The file channel belongs to the writer.
        }
    }
}
