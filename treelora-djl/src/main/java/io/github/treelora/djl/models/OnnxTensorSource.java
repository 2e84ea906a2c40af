package io.github.treelora.djl.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The float32 initializers of an ONNX model file as a {@link TensorSource}, read without a protobuf library
 * by walking the wire format of {@code ModelProto.graph (7)}: {@code GraphProto.node (1)} and
 * {@code GraphProto.initializer (5)}; {@code TensorProto} {@code dims (1)}, {@code data_type (2)},
 * {@code float_data (4)}, {@code name (8)}, {@code raw_data (9)}; {@code NodeProto} {@code input (1)},
 * {@code output (2)}, {@code op_type (4)}.
 *
 * <p>Exporters rename the weights of linear layers that become {@code MatMul} (for example
 * {@code onnx::MatMul_1234}, stored transposed as {@code [in, out]}). When such a weight's MatMul feeds an
 * {@code Add} whose other operand is an initializer {@code <module>.bias}, the weight is exposed as
 * {@code <module>.weight} with PyTorch's {@code [out, in]} layout; otherwise it keeps its ONNX name.
 * Initializers of other data types (int64 shape constants, position-id buffers) are not exposed. The file is
 * memory-mapped (at most 2 GiB; external data is rejected).
 */
public final class OnnxTensorSource implements TensorSource {

    private static final int FLOAT = 1;

    /** Where a tensor's values are and how to read them. */
    private record Entry(long[] shape, int offset, int length, boolean packedFloatData, boolean transposed) {}

    private final Path file;
    private final ByteBuffer data;
    private final Map<String, Entry> entries;

    private OnnxTensorSource(Path file, ByteBuffer data, Map<String, Entry> entries) {
        this.file = file;
        this.data = data;
        this.entries = entries;
    }

    /**
     * Opens and indexes an ONNX file.
     *
     * @param file the {@code .onnx} file
     * @return the source
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if the file is not a well-formed ONNX model (the message says where)
     */
    public static OnnxTensorSource open(Path file) {
        ByteBuffer buffer;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + ": ONNX files over 2 GiB are not supported");
            }
            buffer = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX file " + file, e);
        }
        try {
            return new OnnxTensorSource(file, buffer, index(buffer));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    private static Map<String, Entry> index(ByteBuffer buf) {
        Wire model = new Wire(buf, 0, buf.limit());
        int graphStart = -1;
        int graphEnd = -1;
        while (model.hasMore()) {
            int tag = model.tag();
            if (tag >>> 3 == 7 && (tag & 7) == 2) {
                int len = model.length();
                graphStart = model.pos;
                graphEnd = graphStart + len;
                model.pos = graphEnd;
            } else {
                model.skip(tag);
            }
        }
        if (graphStart < 0) {
            throw new IllegalArgumentException("no graph (ModelProto field 7)");
        }
        Map<String, Entry> raw = new LinkedHashMap<>();
        List<String[]> matMuls = new ArrayList<>(); // {weight, output}
        Map<String, List<String[]>> addsByInput = new HashMap<>(); // input -> {other input}
        Wire graph = new Wire(buf, graphStart, graphEnd);
        while (graph.hasMore()) {
            int tag = graph.tag();
            int field = tag >>> 3;
            if (field == 5 && (tag & 7) == 2) {
                int len = graph.length();
                readTensor(buf, graph.pos, graph.pos + len, raw);
                graph.pos += len;
            } else if (field == 1 && (tag & 7) == 2) {
                int len = graph.length();
                readNode(buf, graph.pos, graph.pos + len, matMuls, addsByInput);
                graph.pos += len;
            } else {
                graph.skip(tag);
            }
        }
        // Recover "<module>.weight" names of MatMul weights from the bias added right after the MatMul.
        Map<String, String> renames = new HashMap<>();
        for (String[] mm : matMuls) {
            String weight = mm[0];
            Entry e = raw.get(weight);
            if (e == null || weight.endsWith(".weight") || e.shape.length != 2) {
                continue;
            }
            for (String[] add : addsByInput.getOrDefault(mm[1], List.of())) {
                String other = add[0];
                if (other.endsWith(".bias") && raw.containsKey(other)) {
                    renames.put(weight, other.substring(0, other.length() - ".bias".length()) + ".weight");
                    break;
                }
            }
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : raw.entrySet()) {
            String name = e.getKey();
            Entry entry = e.getValue();
            String renamed = renames.get(name);
            if (renamed != null) {
                long[] s = entry.shape;
                entry = new Entry(new long[] {s[1], s[0]}, entry.offset, entry.length, entry.packedFloatData, true);
                name = renamed;
            }
            if (out.put(name, entry) != null) {
                throw new IllegalArgumentException("two initializers resolve to the name '" + name + "'");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static void readTensor(ByteBuffer buf, int start, int end, Map<String, Entry> out) {
        Wire t = new Wire(buf, start, end);
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = null;
        int rawOffset = -1;
        int rawLength = 0;
        int floatOffset = -1;
        int floatLength = 0;
        boolean external = false;
        while (t.hasMore()) {
            int tag = t.tag();
            int field = tag >>> 3;
            int wire = tag & 7;
            if (field == 1 && wire == 0) {
                dims.add(t.varint());
            } else if (field == 1 && wire == 2) {
                int len = t.length();
                Wire packed = new Wire(buf, t.pos, t.pos + len);
                while (packed.hasMore()) {
                    dims.add(packed.varint());
                }
                t.pos += len;
            } else if (field == 2 && wire == 0) {
                dataType = (int) t.varint();
            } else if (field == 8 && wire == 2) {
                name = t.string();
            } else if (field == 9 && wire == 2) {
                rawLength = t.length();
                rawOffset = t.pos;
                t.pos += rawLength;
            } else if (field == 4 && wire == 2) {
                floatLength = t.length();
                floatOffset = t.pos;
                t.pos += floatLength;
            } else if (field == 13 || (field == 14 && wire == 0 && t.peekVarint() == 1)) {
                external = true;
                t.skip(tag);
            } else {
                t.skip(tag);
            }
        }
        if (name == null || dataType != FLOAT) {
            return;
        }
        if (external) {
            throw new IllegalArgumentException("initializer '" + name + "' uses external data (not supported)");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        boolean packed = rawOffset < 0;
        int offset = packed ? floatOffset : rawOffset;
        int length = packed ? floatLength : rawLength;
        if (count == 0 && offset < 0) {
            offset = start;
            length = 0;
        }
        if (offset < 0 || length != count * 4) {
            throw new IllegalArgumentException("initializer '" + name + "' of shape " + Arrays.toString(shape)
                    + " has " + length + " bytes of data, expected " + count * 4);
        }
        out.put(name, new Entry(shape, offset, length, packed, false));
    }

    private static void readNode(
            ByteBuffer buf, int start, int end, List<String[]> matMuls, Map<String, List<String[]>> adds) {
        Wire n = new Wire(buf, start, end);
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String op = "";
        while (n.hasMore()) {
            int tag = n.tag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                inputs.add(n.string());
            } else if (field == 2 && (tag & 7) == 2) {
                outputs.add(n.string());
            } else if (field == 4 && (tag & 7) == 2) {
                op = n.string();
            } else {
                n.skip(tag);
            }
        }
        if ("MatMul".equals(op) && inputs.size() == 2 && outputs.size() == 1) {
            matMuls.add(new String[] {inputs.get(1), outputs.get(0)});
        } else if ("Add".equals(op) && inputs.size() == 2) {
            adds.computeIfAbsent(inputs.get(0), k -> new ArrayList<>()).add(new String[] {inputs.get(1)});
            adds.computeIfAbsent(inputs.get(1), k -> new ArrayList<>()).add(new String[] {inputs.get(0)});
        }
    }

    /**
     * The file this source reads.
     *
     * @return the path
     */
    public Path file() {
        return file;
    }

    /** {@inheritDoc} */
    @Override
    public String describe() {
        return file.toString();
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    /** {@inheritDoc} */
    @Override
    public long[] shape(String name) {
        return entry(name).shape.clone();
    }

    /** {@inheritDoc} */
    @Override
    public float[] floats(String name) {
        Entry e = entry(name);
        float[] values = new float[e.length / 4];
        data.slice(e.offset, e.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        if (!e.transposed) {
            return values;
        }
        // Stored [in, out]; exposed [out, in] = shape.
        int rows = (int) e.shape[0];
        int cols = (int) e.shape[1];
        float[] t = new float[values.length];
        for (int i = 0; i < cols; i++) {
            for (int o = 0; o < rows; o++) {
                t[o * cols + i] = values[i * rows + o];
            }
        }
        return t;
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no float initializer '" + name + "' in " + file);
        }
        return e;
    }

    /** A cursor over a protobuf message's bytes. */
    private static final class Wire {
        private final ByteBuffer buf;
        private final int end;
        private int pos;

        Wire(ByteBuffer buf, int start, int end) {
            if (start < 0 || end > buf.limit() || start > end) {
                throw new IllegalArgumentException("message bounds [" + start + ", " + end + ") outside the file");
            }
            this.buf = buf;
            this.pos = start;
            this.end = end;
        }

        boolean hasMore() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint at byte " + pos);
                }
                byte b = buf.get(pos++);
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed varint at byte " + pos);
        }

        long peekVarint() {
            int saved = pos;
            long v = varint();
            pos = saved;
            return v;
        }

        int length() {
            long len = varint();
            if (len < 0 || pos + len > end) {
                throw new IllegalArgumentException("field length " + len + " at byte " + pos + " overruns its message");
            }
            return (int) len;
        }

        String string() {
            int len = length();
            byte[] bytes = new byte[len];
            buf.get(pos, bytes);
            pos += len;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7) + " at byte " + pos);
            }
        }

        private void advance(int n) {
            if (pos + n > end) {
                throw new IllegalArgumentException("field overruns its message at byte " + pos);
            }
            pos += n;
        }
    }
}
