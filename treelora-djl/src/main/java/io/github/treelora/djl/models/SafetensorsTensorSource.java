package io.github.treelora.djl.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsException;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tensors of a Hugging Face safetensors checkpoint: one {@code model.safetensors} file or a sharded
 * checkpoint described by {@code model.safetensors.index.json} ({@code {"metadata": ..., "weight_map":
 * {tensor name: shard file}}}).
 *
 * <p>Files are opened with treelora-core's memory-mapped {@link SafetensorsFile}, so files and tensors over
 * 2 GiB work. {@link #floats} widens F16 and BF16 to float32 in Java (no BF16 array is ever created in DJL) and
 * rounds F64; {@link #dtype} reports the stored type so that {@link StateDict#load} rejects integer tensors
 * before anything is read.
 *
 * <p>Opening validates everything that can be checked without reading tensor data, and fails with an
 * {@link IllegalArgumentException} naming the file (and the key, where one is involved): a malformed or
 * truncated file (every tensor must lie inside its file), a malformed index, a shard named in the index that
 * does not exist or lies outside the checkpoint directory, a key the index assigns to a shard that does not
 * hold it, and a shard tensor the index does not list. Close the source to release the file handles.
 */
public final class SafetensorsTensorSource implements TensorSource, AutoCloseable {

    /** File name of a single-file checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** File name of a sharded checkpoint's index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final String description;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileOf;

    private SafetensorsTensorSource(String description, List<SafetensorsFile> files,
            Map<String, SafetensorsFile> fileOf) {
        this.description = description;
        this.files = List.copyOf(files);
        this.fileOf = Collections.unmodifiableMap(fileOf);
    }

    /**
     * Opens a checkpoint: a directory (its {@value #INDEX_FILE} if present, else its {@value #SINGLE_FILE}), an
     * index file ({@code *.index.json}), or a single {@code .safetensors} file.
     *
     * @param path directory or file
     * @return the open source
     * @throws IllegalArgumentException if the checkpoint is absent, malformed or inconsistent (see the class
     *     description)
     * @throws UncheckedIOException if a file cannot be read
     */
    public static SafetensorsTensorSource open(Path path) {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(index)) {
                return openIndex(index);
            }
            Path single = path.resolve(SINGLE_FILE);
            if (Files.isRegularFile(single)) {
                return openFile(single);
            }
            throw new IllegalArgumentException(
                    path + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " is in this directory");
        }
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".index.json")) {
            return openIndex(path);
        }
        return openFile(path);
    }

    /**
     * Opens one safetensors file.
     *
     * @param file the file
     * @return the open source
     * @throws IllegalArgumentException if the file does not exist or is malformed or truncated
     * @throws UncheckedIOException if it cannot be read
     */
    public static SafetensorsTensorSource openFile(Path file) {
        SafetensorsFile sf = openShard(file, null);
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        for (String name : sf.names()) {
            fileOf.put(name, sf);
        }
        return new SafetensorsTensorSource(file.toString(), List.of(sf), fileOf);
    }

    /**
     * Opens a sharded checkpoint from its index; shard paths are resolved against the index's directory.
     *
     * @param indexFile the {@code model.safetensors.index.json}
     * @return the open source; names are in the index's {@code weight_map} order
     * @throws IllegalArgumentException if the index is malformed, a shard is absent or malformed, or index and
     *     shards disagree about a key
     * @throws UncheckedIOException if a file cannot be read
     */
    public static SafetensorsTensorSource openIndex(Path indexFile) {
        Map<String, String> weightMap = readWeightMap(indexFile);
        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, List<String>> keysByShard = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            keysByShard.computeIfAbsent(e.getValue(), s -> new ArrayList<>()).add(e.getKey());
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, List<String>> e : keysByShard.entrySet()) {
                Path shard = dir.resolve(e.getKey()).normalize();
                if (!shard.startsWith(dir) || shard.equals(dir)) {
                    throw new IllegalArgumentException(indexFile + ": shard '" + e.getKey() + "' (for key '"
                            + e.getValue().get(0) + "') is outside the checkpoint directory");
                }
                String context = "named in " + indexFile + " for key '" + e.getValue().get(0) + "'"
                        + (e.getValue().size() > 1 ? " and " + (e.getValue().size() - 1) + " more" : "");
                SafetensorsFile sf = openShard(shard, context);
                shards.put(e.getKey(), sf);
                Set<String> held = new HashSet<>(sf.names());
                for (String key : e.getValue()) {
                    if (!held.contains(key)) {
                        throw new IllegalArgumentException(indexFile + " maps key '" + key + "' to shard " + shard
                                + ", which does not contain it");
                    }
                }
            }
            // Only after every listed key was found: a key listed under the wrong shard is reported as such.
            for (Map.Entry<String, SafetensorsFile> e : shards.entrySet()) {
                Set<String> held = new TreeSet<>(e.getValue().names());
                held.removeAll(keysByShard.get(e.getKey()));
                if (!held.isEmpty()) {
                    throw new IllegalArgumentException("shard " + e.getValue().path() + " holds " + held
                            + ", which " + indexFile + " does not map to it");
                }
            }
        } catch (RuntimeException e) {
            closeQuietly(shards.values(), e);
            throw e;
        }
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            fileOf.put(e.getKey(), shards.get(e.getValue()));
        }
        return new SafetensorsTensorSource(indexFile + " (" + shards.size() + " shards)",
                new ArrayList<>(shards.values()), fileOf);
    }

    private static Map<String, String> readWeightMap(Path indexFile) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(indexFile.toFile());
        } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
            throw new IllegalArgumentException(indexFile + ": index file does not exist", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(indexFile + ": malformed index JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + indexFile, e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new IllegalArgumentException(indexFile + ": index has no \"weight_map\" object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual() || e.getValue().asText().isEmpty()) {
                throw new IllegalArgumentException(indexFile + ": weight_map entry for key '" + e.getKey()
                        + "' is not a shard file name: " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(indexFile + ": weight_map is empty");
        }
        return out;
    }

    private static SafetensorsFile openShard(Path file, String context) {
        String where = context == null ? "" : " (" + context + ")";
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("safetensors file " + file + " does not exist" + where);
        }
        try {
            return SafetensorsFile.open(file);
        } catch (SafetensorsException e) {
            // The core reader's message names the file and key: truncated, corrupted header, overlaps, ...
            throw new IllegalArgumentException("malformed safetensors file: " + e.getMessage() + where, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + where, e);
        }
    }

    private static void closeQuietly(Iterable<SafetensorsFile> files, Throwable primary) {
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException | RuntimeException e) {
                primary.addSuppressed(e);
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> names() {
        return fileOf.keySet();
    }

    /** {@inheritDoc} */
    @Override
    public long[] shape(String name) {
        return info(name).shape();
    }

    /** {@inheritDoc} */
    @Override
    public String dtype(String name) {
        return info(name).dtype().headerName();
    }

    /**
     * The values of tensor {@code name} as float32: F32 as stored, F16 and BF16 widened exactly, F64 rounded.
     *
     * @param name a member of {@link #names()}
     * @return a fresh array
     * @throws IllegalArgumentException if there is no such tensor, it is not floating point, or it has too many
     *     elements for one array (the message names the key and the file)
     * @throws UncheckedIOException if the data cannot be read
     */
    @Override
    public float[] floats(String name) {
        SafetensorsFile f = file(name);
        try {
            return f.readFloats(name);
        } catch (SafetensorsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + f.path(), e);
        }
    }

    /**
     * Tensor {@code name} copied straight from the memory-mapped file into a new engine array: F32 and F16 (and
     * F64) bytes are handed to the engine without a Java copy and converted there; BF16, which the engine
     * cannot hold, is widened to float32 in Java through a small reused staging buffer (never a BF16 array).
     * Every value of the result is checked to be finite (one reduction), which also catches a narrowing to float16
     * that overflows.
     *
     * @param name a member of {@link #names()}
     * @param manager owner of the result
     * @param dataType {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @return the array, shaped {@link #shape(String)}
     * @throws IllegalArgumentException if there is no such tensor, it is not floating point, a value is NaN or
     *     infinite, or a value is beyond the range of {@code dataType} (naming the tensor and its file)
     * @throws UncheckedIOException if the data cannot be read
     */
    @Override
    public NDArray toNDArray(String name, NDManager manager, DataType dataType) {
        SafetensorsFile f = file(name);
        TensorInfo t = info(name);
        String what = "'" + name + "' (" + f.path() + ")";
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("tensor " + what + " is " + t.dtype() + ", not floating point");
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return TensorSource.super.toNDArray(name, manager, dataType);
        }
        try (NDManager scratch = manager.newSubManager();
                NativeTensors.Assembler out = new NativeTensors.Assembler(manager, what, new Shape(t.shape()),
                        dataType, i -> storedValue(f, name, i))) {
            f.readRaw(name, (bytes, from, n) -> {
                if (t.dtype() == SafetensorsDType.BF16) {
                    addWidenedBf16(bytes, n, scratch, out);
                } else {
                    NDArray piece = scratch.create(bytes, new Shape(n), engineType(t.dtype()));
                    out.add(piece);
                    piece.close();
                }
            });
            return out.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + f.path(), e);
        }
    }

    private static double storedValue(SafetensorsFile f, String name, long index) {
        try {
            return f.readFloats(name, index, 1)[0]; // F64 beyond float range reads as infinite
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' from " + f.path(), e);
        }
    }

    private static DataType engineType(SafetensorsDType dtype) {
        return switch (dtype) {
            case F16 -> DataType.FLOAT16;
            case F32 -> DataType.FLOAT32;
            case F64 -> DataType.FLOAT64;
            default -> throw new IllegalArgumentException("no engine type for " + dtype);
        };
    }

    /**
     * Elements per BF16 staging round: 256 MB of float32, so that nearly every tensor is widened in one round and
     * copied into the engine in one call (a tensor assembled from several rounds costs a slower indexed copy).
     */
    private static final int STAGE_ELEMENTS = 1 << 26;
    /** Elements widened per inner step, through small arrays that stay in the CPU cache. */
    private static final int WIDEN_STEP = 1 << 13;

    private ByteBuffer stage;

    /** BF16 is the upper half of float32: widening is a 16-bit shift, done here in rounds. */
    private synchronized void addWidenedBf16(ByteBuffer bytes, int n, NDManager scratch,
            NativeTensors.Assembler out) {
        int round = Math.min(STAGE_ELEMENTS, n);
        if (stage == null || stage.capacity() < 4 * round) {
            stage = ByteBuffer.allocateDirect(4 * round).order(ByteOrder.nativeOrder());
        }
        ShortBuffer src = bytes.asShortBuffer();
        short[] bits = new short[WIDEN_STEP];
        int[] wide = new int[WIDEN_STEP];
        for (int i = 0; i < n; i += round) {
            int m = Math.min(round, n - i);
            java.nio.IntBuffer dst = stage.clear().asIntBuffer();
            for (int j = 0; j < m; j += WIDEN_STEP) {
                int k = Math.min(WIDEN_STEP, m - j);
                src.get(i + j, bits, 0, k);
                for (int e = 0; e < k; e++) {
                    wide[e] = bits[e] << 16;
                }
                dst.put(wide, 0, k);
            }
            // The piece aliases the staging buffer: the assembler copies it before the next round refills it.
            NDArray piece = scratch.create(stage.slice(0, 4 * m).order(ByteOrder.nativeOrder()), new Shape(m),
                    DataType.FLOAT32);
            out.add(piece);
            piece.close();
        }
    }

    /** {@inheritDoc} */
    @Override
    public String describe() {
        return description;
    }

    /** {@inheritDoc} */
    @Override
    public String location(String name) {
        return file(name).path().toString();
    }

    /**
     * The files this source reads, one per shard.
     *
     * @return the shard paths, in index order
     */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (SafetensorsFile f : files) {
            out.add(f.path());
        }
        return out;
    }

    /**
     * Closes every file; reading afterwards fails.
     *
     * @throws UncheckedIOException if a file cannot be closed
     */
    @Override
    public void close() {
        synchronized (this) {
            stage = null; // the BF16 staging buffer
        }
        UncheckedIOException failure = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = new UncheckedIOException("cannot close " + f.path(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + description);
        }
        return f;
    }

    private TensorInfo info(String name) {
        SafetensorsFile f = file(name);
        try {
            return f.info(name);
        } catch (SafetensorsException e) {
            throw new IllegalArgumentException(e.getMessage(), e); // unreachable: the key was validated at open
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "SafetensorsTensorSource[" + description + ", " + fileOf.size() + " tensors]";
    }
}
