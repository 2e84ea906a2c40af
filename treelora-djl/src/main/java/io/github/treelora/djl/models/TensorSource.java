package io.github.treelora.djl.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A read-only, by-name source of float tensors: what {@link StateDict#load} needs from a checkpoint. Backed by
 * an in-memory map ({@link #of(Map)}), an ONNX file ({@link OnnxTensorSource}), or any other format (a
 * safetensors reader plugs in by implementing these three methods).
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
     * A source over in-memory tensors (the map is copied; the float arrays are not).
     *
     * @param tensors name to tensor
     * @return the source
     */
    static TensorSource of(Map<String, HostTensor> tensors) {
        Map<String, HostTensor> copy = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        return new TensorSource() {
            @Override
            public Set<String> names() {
                return copy.keySet();
            }

            @Override
            public long[] shape(String name) {
                return get(name).shape();
            }

            @Override
            public float[] floats(String name) {
                return get(name).data().clone();
            }

            private HostTensor get(String name) {
                HostTensor t = copy.get(name);
                if (t == null) {
                    throw new IllegalArgumentException("no tensor '" + name + "'");
                }
                return t;
            }
        };
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
