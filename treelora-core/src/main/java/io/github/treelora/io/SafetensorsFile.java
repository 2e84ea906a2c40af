package io.github.treelora.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Read-only, memory-mapped view of a safetensors file.
 *
 * <p>{@link #open(Path)} reads and validates only the header, so opening a 5 GB checkpoint shard
 * is cheap; tensor data is read on demand from lazily created read-only memory mappings of at most
 * 1 GiB each, so files and single tensors larger than 2 GiB work (all offsets are {@code long}).
 *
 * <h2>Validation</h2>
 * Opening fails with a {@link SafetensorsFormatException} naming the file (and the key, where one
 * is involved) when the file is shorter than 8 bytes, the header length is beyond the file or above
 * 100,000,000 bytes (the reference implementation's limit), the header is not UTF-8 or not a JSON
 * object, a key is duplicated, an entry lacks {@code dtype}, {@code shape} or {@code data_offsets}
 * or has an unknown dtype, a dimension or offset is negative or not an integer, shape times dtype
 * size differs from {@code end - begin}, a tensor lies outside the data buffer (truncated file),
 * two non-empty tensors overlap, or {@code __metadata__} is not an object of strings. Unlike the
 * reference reader, gaps between tensors and bytes after the last tensor are tolerated: they are
 * never read, and tolerating them lets files from writers that pad tensors be read.
 *
 * <h2>Reading</h2>
 * Names are returned in header order. The typed read methods accept the following dtypes and fail
 * with a {@link SafetensorsException} for others, because silently turning token ids or step
 * counters into floats (or weights into integers) is almost always a bug:
 * <ul>
 *   <li>{@link #readFloats(String)}, {@link #readDoubles(String)}: F32, F64, F16, BF16. F16 and BF16
 *       are widened exactly in Java (BF16 never needs engine support); F64 is rounded to float by
 *       {@code readFloats}.</li>
 *   <li>{@link #readLongs(String)}, {@link #readInts(String)}: I64, I32, I16, I8, U64, U32, U16, U8
 *       and BOOL (0 or 1). A value that does not fit the result type raises an exception naming
 *       the element index.</li>
 * </ul>
 * Whole-tensor reads need fewer than {@code Integer.MAX_VALUE - 8} elements (a tensor over 2 GiB in
 * bytes is fine when its element count fits). Larger tensors are read in pieces with
 * {@link #readFloats(String, long, int)} or {@link #readFloats(String, long, FloatBuffer)}.
 *
 * <p>Instances are safe for concurrent reads. The mappings stay valid until garbage-collected even
 * after {@link #close()} (Java cannot unmap them eagerly); reading after close throws
 * {@link IllegalStateException}. The file must not be truncated while open: access to pages that
 * no longer exist fails with an {@link InternalError} raised by the JVM.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header the reference implementation accepts; protects against absurd allocations. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    /** Mapping granularity: region k maps file bytes from {@code k * REGION_BYTES}. */
    private static final long REGION_BYTES = 1L << 30;
    /**
     * Extra bytes mapped past each region's end, at least the largest element size: tensors need
     * not be aligned, so an element may start just before a region boundary; it is then read
     * whole from the region it starts in.
     */
    private static final int REGION_OVERLAP = 8;
    /** Largest array length that all JVMs allocate. */
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    private static final int NAMES_IN_MESSAGE = 5;
    private static final int DECODE_CHUNK = 8192;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final List<String> names;
    private final Map<String, String> metadata;
    private final MappedByteBuffer[] regions;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, long fileSize, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.names = List.copyOf(tensors.keySet());
        this.metadata = Collections.unmodifiableMap(metadata);
        this.regions = new MappedByteBuffer[(int) ((fileSize + REGION_BYTES - 1) / REGION_BYTES)];
    }

    /**
     * Opens a file, reading and validating its header. No tensor data is read.
     *
     * @param path the .safetensors file
     * @return the open file; close it to release the file handle
     * @throws SafetensorsFormatException when the file is malformed (see the class description)
     * @throws IOException when the file cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new SafetensorsFormatException(path, null, "file is " + fileSize
                        + " bytes long, shorter than the 8-byte header length prefix");
            }
            ByteBuffer prefix = readFully(channel, 0, 8);
            long headerLength = prefix.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            // Compare as unsigned: a length >= 2^63 reads as negative.
            if (Long.compareUnsigned(headerLength, fileSize - 8) > 0) {
                throw new SafetensorsFormatException(path, null, "header length "
                        + Long.toUnsignedString(headerLength) + " exceeds the " + (fileSize - 8)
                        + " bytes that follow the length prefix");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(path, null, "header length " + headerLength
                        + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            String json = decodeUtf8(path, readFully(channel, 8, (int) headerLength));
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors =
                    parseHeader(path, json, fileSize - dataStart, metadata);
            return new SafetensorsFile(path, channel, fileSize, dataStart, tensors, metadata);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new IOException("unexpected end of file at byte " + (position + buf.position()));
            }
        }
        return buf.flip();
    }

    private static String decodeUtf8(Path path, ByteBuffer bytes) throws SafetensorsFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(path, null, "header is not valid UTF-8", e);
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path path, String json, long dataLength,
            Map<String, String> metadataOut) throws SafetensorsFormatException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(path, null,
                    "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(path, null, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (METADATA_KEY.equals(e.getKey())) {
                parseMetadata(path, e.getValue(), metadataOut);
            } else {
                TensorInfo info = parseTensor(path, e.getKey(), e.getValue());
                if (info.end() > dataLength) {
                    throw new SafetensorsFormatException(path, info.name(), "data_offsets ["
                            + info.begin() + ", " + info.end() + "] extend beyond the data buffer of "
                            + dataLength + " bytes (truncated file?)");
                }
                tensors.put(info.name(), info);
            }
        }
        checkNoOverlap(path, tensors.values());
        return tensors;
    }

    private static void parseMetadata(Path path, JsonNode node, Map<String, String> out)
            throws SafetensorsFormatException {
        if (!node.isObject()) {
            throw new SafetensorsFormatException(path, METADATA_KEY,
                    "must be a JSON object of strings, found " + node.getNodeType());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(path, METADATA_KEY, "value of '" + e.getKey()
                        + "' must be a string, found " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node)
            throws SafetensorsFormatException {
        if (!node.isObject()) {
            throw new SafetensorsFormatException(path, name,
                    "entry must be a JSON object, found " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsFormatException(path, name, "missing or non-string \"dtype\"");
        }
        SafetensorsDType dtype = SafetensorsDType.fromHeaderName(dtypeNode.textValue())
                .orElseThrow(() -> new SafetensorsFormatException(path, name, "unknown dtype \""
                        + dtypeNode.textValue() + "\"; supported: "
                        + java.util.Arrays.toString(SafetensorsDType.values())));
        long[] shape = longArray(path, name, node, "shape", -1);
        long[] offsets = longArray(path, name, node, "data_offsets", 2);
        String problem = TensorInfo.inconsistency(dtype, shape, offsets[0], offsets[1]);
        if (problem != null) {
            throw new SafetensorsFormatException(path, name, problem);
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** Reads an array of integers; length -1 accepts any length. Signs are checked by the caller. */
    private static long[] longArray(Path path, String name, JsonNode entry, String field,
            int length) throws SafetensorsFormatException {
        JsonNode node = entry.get(field);
        if (node == null || !node.isArray()) {
            throw new SafetensorsFormatException(path, name, "missing or non-array \"" + field + "\"");
        }
        if (length >= 0 && node.size() != length) {
            throw new SafetensorsFormatException(path, name, "\"" + field + "\" must have " + length
                    + " elements, found " + node.size());
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new SafetensorsFormatException(path, name, "\"" + field + "\" element " + i
                        + " is not a 64-bit integer: " + v);
            }
            values[i] = v.longValue();
        }
        return values;
    }

    private static void checkNoOverlap(Path path, Iterable<TensorInfo> all)
            throws SafetensorsFormatException {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo t : all) {
            if (t.byteLength() > 0) { // empty tensors occupy no bytes and cannot overlap
                sorted.add(t);
            }
        }
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new SafetensorsFormatException(path, cur.name(), "data_offsets [" + cur.begin()
                        + ", " + cur.end() + "] overlap tensor '" + prev.name() + "' at ["
                        + prev.begin() + ", " + prev.end() + "]");
            }
        }
    }

    /**
     * Returns the path this file was opened from.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns the tensor names in header order.
     *
     * @return an immutable list
     */
    public List<String> names() {
        return names;
    }

    /**
     * Returns all tensor descriptions in header order.
     *
     * @return an immutable list
     */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    /**
     * Tells whether a tensor of this name exists.
     *
     * @param name the tensor name
     * @return true when present
     */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * Returns the description of one tensor.
     *
     * @param name the tensor name
     * @return its dtype, shape and offsets
     * @throws SafetensorsException when absent; the message lists a few of the names present
     */
    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            List<String> some = names.subList(0, Math.min(NAMES_IN_MESSAGE, names.size()));
            throw new SafetensorsException(path, name, "no such tensor; the file has " + names.size()
                    + " tensors" + (some.isEmpty() ? "" : ", e.g. " + String.join(", ", some)));
        }
        return t;
    }

    /**
     * Returns the string metadata of the {@code __metadata__} header entry.
     *
     * @return an immutable map in header order, empty when the file has none
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Returns the absolute file position of the data buffer (8 + header length).
     *
     * @return the byte position to which tensor offsets are relative
     */
    public long dataStart() {
        return dataStart;
    }

    /**
     * Reads a whole floating-point tensor as floats (row-major).
     *
     * @param name a tensor of dtype F32, F16, BF16 (widened exactly) or F64 (rounded to float)
     * @return a new array with {@link TensorInfo#elementCount()} elements
     * @throws SafetensorsException when absent, not floating point, or too large for an array
     * @throws IOException when the data cannot be read
     */
    public float[] readFloats(String name) throws IOException {
        TensorInfo t = requireFloating(name, "readFloats");
        float[] out = new float[arrayLength(t)];
        decodeFloats(t, 0, out, 0, out.length);
        return out;
    }

    /**
     * Reads a contiguous range of elements of a floating-point tensor in row-major order; use it for
     * tensors with too many elements for one array. For a {@code [rows, cols]} matrix, rows
     * {@code r0..r1} are elements {@code r0 * cols} to {@code r1 * cols}.
     *
     * @param name a tensor of dtype F32, F16, BF16 or F64
     * @param fromElement index of the first element to read
     * @param count number of elements
     * @return a new array of {@code count} floats
     * @throws IndexOutOfBoundsException when the range is not inside the tensor
     * @throws SafetensorsException when absent or not floating point
     * @throws IOException when the data cannot be read
     */
    public float[] readFloats(String name, long fromElement, int count) throws IOException {
        TensorInfo t = requireFloating(name, "readFloats");
        checkRange(t, fromElement, count);
        float[] out = new float[count];
        decodeFloats(t, fromElement, out, 0, count);
        return out;
    }

    /**
     * Copies {@code dst.remaining()} elements of a floating-point tensor, starting at
     * {@code fromElement}, into {@code dst} (heap or direct), advancing its position. Together with
     * a loop over {@code fromElement} this streams tensors of any size.
     *
     * @param name a tensor of dtype F32, F16, BF16 or F64
     * @param fromElement index of the first element to read
     * @param dst destination; receives {@code dst.remaining()} values
     * @throws IndexOutOfBoundsException when the range is not inside the tensor
     * @throws SafetensorsException when absent or not floating point
     * @throws IOException when the data cannot be read
     */
    public void readFloats(String name, long fromElement, FloatBuffer dst) throws IOException {
        TensorInfo t = requireFloating(name, "readFloats");
        int count = dst.remaining();
        checkRange(t, fromElement, count);
        if (dst.hasArray()) {
            decodeFloats(t, fromElement, dst.array(), dst.arrayOffset() + dst.position(), count);
            dst.position(dst.position() + count);
            return;
        }
        float[] tmp = new float[Math.min(count, DECODE_CHUNK)];
        for (int done = 0; done < count;) {
            int n = Math.min(tmp.length, count - done);
            decodeFloats(t, fromElement + done, tmp, 0, n);
            dst.put(tmp, 0, n);
            done += n;
        }
    }

    /**
     * Receives the stored bytes of a tensor piece by piece (see {@link #readRaw}).
     */
    @FunctionalInterface
    public interface RawChunkConsumer {
        /**
         * Accepts one piece.
         *
         * @param bytes a read-only, little-endian view of the memory-mapped file holding exactly
         *     {@code elements} elements from position 0; valid while it is reachable, even after
         *     {@link #close()}
         * @param fromElement index of the piece's first element in the tensor
         * @param elements number of elements in the piece
         * @throws IOException to abort the read
         */
        void accept(ByteBuffer bytes, long fromElement, int elements) throws IOException;
    }

    /**
     * Hands the stored bytes of a tensor, any dtype, to {@code consumer} without copying or
     * decoding: consecutive pieces of the memory mapping, in element order, each at most 1 GiB
     * (one piece unless the tensor crosses a mapping boundary). This is the zero-copy path for
     * loaders that copy the bytes straight into native memory.
     *
     * @param name a tensor of any dtype
     * @param consumer receives the pieces; an empty tensor delivers none
     * @throws SafetensorsException when absent
     * @throws IOException when the data cannot be mapped or the consumer fails
     */
    public void readRaw(String name, RawChunkConsumer consumer) throws IOException {
        TensorInfo t = info(name);
        forEachChunk(t, 0, t.elementCount(), (chunk, n, done) ->
                consumer.accept(chunk.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN), done, n));
    }

    /**
     * Reads a whole floating-point tensor as doubles; every supported dtype converts exactly.
     *
     * @param name a tensor of dtype F64, F32, F16 or BF16
     * @return a new array with {@link TensorInfo#elementCount()} elements
     * @throws SafetensorsException when absent, not floating point, or too large for an array
     * @throws IOException when the data cannot be read
     */
    public double[] readDoubles(String name) throws IOException {
        TensorInfo t = requireFloating(name, "readDoubles");
        double[] out = new double[arrayLength(t)];
        forEachChunk(t, 0, out.length, (chunk, n, done) -> {
            int o = (int) done;
            switch (t.dtype()) {
                case F64 -> chunk.asDoubleBuffer().get(out, o, n);
                case F32 -> {
                    for (int i = 0; i < n; i++) {
                        out[o + i] = chunk.getFloat(4 * i);
                    }
                }
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        out[o + i] = HalfFloats.f16ToFloat(chunk.getShort(2 * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < n; i++) {
                        out[o + i] = HalfFloats.bf16ToFloat(chunk.getShort(2 * i));
                    }
                }
                default -> throw new AssertionError(t.dtype());
            }
        });
        return out;
    }

    /**
     * Reads a whole integer or BOOL tensor as longs.
     *
     * @param name a tensor of dtype I64, I32, I16, I8, U64, U32, U16, U8 or BOOL (read as 0/1)
     * @return a new array with {@link TensorInfo#elementCount()} elements
     * @throws SafetensorsException when absent, not integral, too large for an array, or a U64
     *     value exceeds {@link Long#MAX_VALUE}
     * @throws IOException when the data cannot be read
     */
    public long[] readLongs(String name) throws IOException {
        TensorInfo t = requireIntegral(name, "readLongs");
        long[] out = new long[arrayLength(t)];
        forEachChunk(t, 0, out.length, (chunk, n, done) -> {
            int o = (int) done;
            if (t.dtype() == SafetensorsDType.I64) {
                chunk.asLongBuffer().get(out, o, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                long v = integralAt(t.dtype(), chunk, i);
                if (t.dtype() == SafetensorsDType.U64 && v < 0) {
                    throw outOfRange(t, done + i, Long.toUnsignedString(v), "long");
                }
                out[o + i] = v;
            }
        });
        return out;
    }

    /**
     * Reads a whole integer or BOOL tensor as ints.
     *
     * @param name a tensor of dtype I32, I16, I8, U16, U8, BOOL, or I64/U64/U32 whose values fit
     * @return a new array with {@link TensorInfo#elementCount()} elements
     * @throws SafetensorsException when absent, not integral, too large for an array, or a value
     *     does not fit an int (the message gives its index)
     * @throws IOException when the data cannot be read
     */
    public int[] readInts(String name) throws IOException {
        TensorInfo t = requireIntegral(name, "readInts");
        int[] out = new int[arrayLength(t)];
        forEachChunk(t, 0, out.length, (chunk, n, done) -> {
            int o = (int) done;
            if (t.dtype() == SafetensorsDType.I32) {
                chunk.asIntBuffer().get(out, o, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                long v = integralAt(t.dtype(), chunk, i);
                boolean unsigned64 = t.dtype() == SafetensorsDType.U64;
                if (v != (int) v || (unsigned64 && v < 0)) {
                    String shown = unsigned64 ? Long.toUnsignedString(v) : Long.toString(v);
                    throw outOfRange(t, done + i, shown, "int");
                }
                out[o + i] = (int) v;
            }
        });
        return out;
    }

    /** Releases the file handle; later reads throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (regions) {
            closed = true;
            java.util.Arrays.fill(regions, null);
        }
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + names.size() + " tensors]";
    }

    // ---------------------------------------------------------------- decoding

    private void decodeFloats(TensorInfo t, long from, float[] dst, int off, int count)
            throws IOException {
        forEachChunk(t, from, count, (chunk, n, done) -> {
            int o = off + (int) done;
            switch (t.dtype()) {
                case F32 -> chunk.asFloatBuffer().get(dst, o, n);
                case BF16, F16 -> {
                    // Bulk-copy the 16-bit patterns first: much faster than one getShort per element.
                    ShortBuffer src = chunk.asShortBuffer();
                    short[] bits = new short[Math.min(n, DECODE_CHUNK)];
                    boolean bf16 = t.dtype() == SafetensorsDType.BF16;
                    for (int i = 0; i < n; i += bits.length) {
                        int m = Math.min(bits.length, n - i);
                        src.get(i, bits, 0, m);
                        if (bf16) {
                            for (int j = 0; j < m; j++) {
                                dst[o + i + j] = HalfFloats.bf16ToFloat(bits[j]);
                            }
                        } else {
                            for (int j = 0; j < m; j++) {
                                dst[o + i + j] = HalfFloats.f16ToFloat(bits[j]);
                            }
                        }
                    }
                }
                case F64 -> {
                    for (int i = 0; i < n; i++) {
                        dst[o + i] = (float) chunk.getDouble(8 * i);
                    }
                }
                default -> throw new AssertionError(t.dtype());
            }
        });
    }

    /** Element i of an integral chunk, sign- or zero-extended (U64 returned as raw bits). */
    private static long integralAt(SafetensorsDType dtype, ByteBuffer chunk, int i) {
        return switch (dtype) {
            case I64, U64 -> chunk.getLong(8 * i);
            case I32 -> chunk.getInt(4 * i);
            case U32 -> Integer.toUnsignedLong(chunk.getInt(4 * i));
            case I16 -> chunk.getShort(2 * i);
            case U16 -> Short.toUnsignedInt(chunk.getShort(2 * i));
            case I8 -> chunk.get(i);
            case U8 -> Byte.toUnsignedInt(chunk.get(i));
            case BOOL -> chunk.get(i) != 0 ? 1 : 0;
            default -> throw new AssertionError(dtype);
        };
    }

    private SafetensorsException outOfRange(TensorInfo t, long index, String value, String type) {
        return new SafetensorsException(path, t.name(), t.dtype() + " element " + index + " = "
                + value + " does not fit a Java " + type);
    }

    /** Receives consecutive pieces of a tensor's data. */
    @FunctionalInterface
    private interface ChunkSink {
        /**
         * @param chunk little-endian buffer holding exactly {@code elements} elements from index 0
         * @param elements number of elements in the chunk
         * @param done number of requested elements delivered before this chunk
         */
        void accept(ByteBuffer chunk, int elements, long done) throws IOException;
    }

    /** Delivers elements [from, from + count) of a tensor in chunks that never exceed one region. */
    private void forEachChunk(TensorInfo t, long from, long count, ChunkSink sink) throws IOException {
        int size = t.dtype().byteSize();
        long pos = dataStart + t.begin() + from * size;
        long done = 0;
        while (done < count) {
            long k = pos / REGION_BYTES;
            MappedByteBuffer region = region((int) k);
            int local = (int) (pos - k * REGION_BYTES);
            // Elements starting in this region fit entirely thanks to REGION_OVERLAP.
            long available = (region.capacity() - local) / size;
            int n = (int) Math.min(count - done, available);
            if (n <= 0) { // impossible for a validated header; guards against an endless loop
                throw new IllegalStateException(path + ": no data mapped at byte " + pos);
            }
            ByteBuffer chunk = region.slice(local, n * size).order(ByteOrder.LITTLE_ENDIAN);
            sink.accept(chunk, n, done);
            done += n;
            pos += (long) n * size;
        }
    }

    private MappedByteBuffer region(int k) throws IOException {
        synchronized (regions) {
            if (closed) {
                throw new IllegalStateException(path + ": file is closed");
            }
            MappedByteBuffer r = regions[k];
            if (r == null) {
                long start = k * REGION_BYTES;
                long length = Math.min(REGION_BYTES + REGION_OVERLAP, fileSize - start);
                r = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
                regions[k] = r;
            }
            return r;
        }
    }

    // ---------------------------------------------------------------- argument checks

    private TensorInfo requireFloating(String name, String method) throws SafetensorsException {
        TensorInfo t = info(name);
        if (!t.dtype().isFloatingPoint()) {
            throw new SafetensorsException(path, name, method + " needs a floating-point tensor (F32,"
                    + " F64, F16, BF16) but the dtype is " + t.dtype() + "; use readLongs or readInts");
        }
        return t;
    }

    private TensorInfo requireIntegral(String name, String method) throws SafetensorsException {
        TensorInfo t = info(name);
        if (!t.dtype().isIntegral()) {
            throw new SafetensorsException(path, name, method + " needs an integer or BOOL tensor but"
                    + " the dtype is " + t.dtype() + "; use readFloats or readDoubles");
        }
        return t;
    }

    private int arrayLength(TensorInfo t) throws SafetensorsException {
        long n = t.elementCount();
        if (n > MAX_ARRAY_LENGTH) {
            throw new SafetensorsException(path, t.name(), "has " + n + " elements, more than one Java"
                    + " array holds; read it in pieces with readFloats(name, fromElement, count or"
                    + " FloatBuffer)");
        }
        return (int) n;
    }

    private void checkRange(TensorInfo t, long from, int count) {
        long n = t.elementCount();
        if (from < 0 || count < 0 || from > n - count) {
            throw new IndexOutOfBoundsException(path + ": tensor '" + t.name() + "': elements ["
                    + from + ", " + from + " + " + count + ") are outside [0, " + n + ")");
        }
    }
}
