package io.github.treelora.djl.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An immutable {@link TensorSource} over float tensors in Java memory: what tests build by hand, what
 * {@link StateDict#snapshot} exports, and an editable copy of any other source ({@link #copyOf}).
 */
public final class InMemoryTensorSource implements TensorSource {

    private final Map<String, HostTensor> tensors;

    private InMemoryTensorSource(Map<String, HostTensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /**
     * A source over the given tensors (the map is copied; the float arrays are not, so they must not change).
     *
     * @param tensors name to tensor, in the order {@link #names()} will report
     * @return the source
     */
    public static InMemoryTensorSource of(Map<String, HostTensor> tensors) {
        return new InMemoryTensorSource(tensors);
    }

    /**
     * Starts an empty builder.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding a copy of every tensor of {@code source} (read through {@link TensorSource#floats}), for
     * editing a copy of a checkpoint.
     *
     * @param source tensors to copy
     * @return a builder holding copies, in the source's order
     */
    public static Builder copyOf(TensorSource source) {
        Builder b = new Builder();
        for (String n : source.names()) {
            b.put(n, source.shape(n), source.floats(n));
        }
        return b;
    }

    /**
     * The tensors as an unmodifiable map.
     *
     * @return name to tensor, in order
     */
    public Map<String, HostTensor> tensors() {
        return tensors;
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    /** {@inheritDoc} */
    @Override
    public long[] shape(String name) {
        return get(name).shape();
    }

    /** {@inheritDoc} */
    @Override
    public float[] floats(String name) {
        return get(name).data().clone();
    }

    /** {@inheritDoc} */
    @Override
    public String describe() {
        return "in-memory tensors";
    }

    private HostTensor get(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "'");
        }
        return t;
    }

    /** Collects tensors; values and shapes are copied on insertion. Not thread-safe. */
    public static final class Builder {
        private final Map<String, HostTensor> tensors = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Adds or replaces a tensor (keeping the position of a replaced one).
         *
         * @param name tensor name
         * @param shape dimensions
         * @param values row-major values, {@code product(shape)} of them (copied)
         * @return this builder
         * @throws IllegalArgumentException if the value count does not match the shape
         */
        public Builder put(String name, long[] shape, float[] values) {
            HostTensor t;
            try {
                t = new HostTensor(shape, values.clone());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
            }
            tensors.put(name, t);
            return this;
        }

        /**
         * Removes a tensor if present.
         *
         * @param name tensor name
         * @return this builder
         */
        public Builder remove(String name) {
            tensors.remove(name);
            return this;
        }

        /**
         * Freezes the collected tensors.
         *
         * @return the source
         */
        public InMemoryTensorSource build() {
            return new InMemoryTensorSource(tensors);
        }
    }
}
