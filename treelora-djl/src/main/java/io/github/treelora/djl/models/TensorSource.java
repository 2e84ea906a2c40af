package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A read-only, by-name source of float tensors: what {@link StateDict#load} needs from a checkpoint. Backed by
 * an in-memory map ({@link InMemoryTensorSource}), an ONNX file ({@link OnnxTensorSource}), or safetensors files
 * in Hugging Face layout ({@link SafetensorsTensorSource}); any other format plugs in by implementing
 * {@link #names()}, {@link #shape} and {@link #floats} (and {@link #dtype} if it stores non-float tensors).
 */
public interface TensorSource {

    /**
     * All tensor names.
     *
     * @return the names; iteration order is the source's order
     */
    Set<String> names();

    /**
     * The shape of tensor {@code name}.
     *
     * @param name a member of {@link #names()}
     * @return the dimensions (a fresh array)
     * @throws IllegalArgumentException if there is no such tensor
     */
    long[] shape(String name);

    /**
     * The values of tensor {@code name} in row-major order, widened or converted to float.
     *
     * @param name a member of {@link #names()}
     * @return a fresh array of {@code product(shape(name))} floats
     * @throws IllegalArgumentException if there is no such tensor
     */
    float[] floats(String name);

    /**
     * Tensor {@code name} as a new engine array of element type {@code dataType} in {@code manager}, with every
     * value checked to be finite. The default reads {@link #floats} and copies them; sources backed by files
     * override it to copy straight from the file into native memory (see {@link SafetensorsTensorSource}).
     *
     * @param name a member of {@link #names()}
     * @param manager owner of the result
     * @param dataType {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @return the array, shaped {@link #shape(String)}
     * @throws IllegalArgumentException if there is no such tensor, a value is NaN or infinite, or a value is
     *     beyond the range of {@code dataType} (the message names the tensor and {@link #location})
     */
    default NDArray toNDArray(String name, NDManager manager, DataType dataType) {
        Shape shape = new Shape(shape(name));
        String what = "'" + name + "' (" + location(name) + ")";
        float[] values = floats(name);
        try (NDManager scratch = manager.newSubManager();
                NativeTensors.Assembler out =
                        new NativeTensors.Assembler(manager, what, shape, dataType, i -> values[(int) i])) {
            out.add(scratch.create(values));
            return out.finish();
        }
    }

    /**
     * The stored element type of tensor {@code name}, as a safetensors dtype name ({@code "F32"}, {@code "BF16"},
     * {@code "I64"}, ...). {@link StateDict#load} rejects tensors whose type is not floating point before reading
     * anything. Sources that only hold floats keep the default, {@code "F32"}.
     *
     * @param name a member of {@link #names()}
     * @return the dtype name
     * @throws IllegalArgumentException if there is no such tensor
     */
    default String dtype(String name) {
        shape(name); // existence check
        return "F32";
    }

    /**
     * A short description of the whole source for error messages (a file or checkpoint directory).
     *
     * @return the description
     */
    default String describe() {
        return getClass().getSimpleName();
    }

    /**
     * Where tensor {@code name} is stored, for error messages (for a sharded checkpoint, the shard file).
     *
     * @param name a member of {@link #names()}
     * @return the location; by default {@link #describe()}
     */
    default String location(String name) {
        return describe();
    }

    /**
     * A source over in-memory tensors (the map is copied; the float arrays are not).
     *
     * @param tensors name to tensor
     * @return the source
     */
    static InMemoryTensorSource of(Map<String, HostTensor> tensors) {
        return InMemoryTensorSource.of(tensors);
    }

    /**
     * A view of this source whose names are mapped by {@code rename} (for example adding or stripping a
     * prefix such as {@code "bert."}); two names mapping to one is an error.
     *
     * @param rename maps a source name to the exposed name
     * @return the renamed view
     * @throws IllegalArgumentException if two names collide after renaming
     */
    default TensorSource renamed(UnaryOperator<String> rename) {
        TensorSource base = this;
        Map<String, String> toBase = new LinkedHashMap<>();
        for (String name : base.names()) {
            String mapped = rename.apply(name);
            String previous = toBase.put(mapped, name);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "tensors '" + previous + "' and '" + name + "' are both renamed to '" + mapped + "'");
            }
        }
        Set<String> names = Collections.unmodifiableSet(toBase.keySet());
        return new TensorSource() {
            @Override
            public Set<String> names() {
                return names;
            }

            @Override
            public long[] shape(String name) {
                return base.shape(baseName(name));
            }

            @Override
            public float[] floats(String name) {
                return base.floats(baseName(name));
            }

            @Override
            public String dtype(String name) {
                return base.dtype(baseName(name));
            }

            @Override
            public NDArray toNDArray(String name, NDManager manager, DataType dataType) {
                return base.toNDArray(baseName(name), manager, dataType);
            }

            @Override
            public String describe() {
                return base.describe();
            }

            @Override
            public String location(String name) {
                return base.location(baseName(name));
            }

            private String baseName(String name) {
                String b = toBase.get(name);
                if (b == null) {
                    throw new IllegalArgumentException("no tensor '" + name + "'");
                }
                return b;
            }
        };
    }
}
