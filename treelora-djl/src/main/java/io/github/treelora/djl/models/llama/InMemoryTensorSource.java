package io.github.treelora.djl.models.llama;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** An immutable {@link TensorSource} held in memory; also the result of exporting a model's weights. */
public final class InMemoryTensorSource implements TensorSource {

    private final Map<String, long[]> shapes;
    private final Map<String, float[]> data;

    private InMemoryTensorSource(Map<String, long[]> shapes, Map<String, float[]> data) {
        this.shapes = shapes;
        this.data = data;
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
     * A builder initialized with every tensor of {@code source} (for editing a copy).
     *
     * @param source tensors to copy
     * @return a builder holding copies
     */
    public static Builder copyOf(TensorSource source) {
        Builder b = new Builder();
        for (String n : source.names()) {
            b.put(n, source.shape(n), source.floats(n));
        }
        return b;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(shapes.keySet());
    }

    @Override
    public long[] shape(String name) {
        return require(name, shapes).clone();
    }

    @Override
    public float[] floats(String name) {
        return require(name, data).clone();
    }

    private static <T> T require(String name, Map<String, T> map) {
        T v = map.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'");
        }
        return v;
    }

    /** Collects tensors; values and shapes are copied on insertion. */
    public static final class Builder {
        private final Map<String, long[]> shapes = new LinkedHashMap<>();
        private final Map<String, float[]> data = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Adds or replaces a tensor.
         *
         * @param name tensor name
         * @param shape dimensions
         * @param values row-major values, {@code product(shape)} of them
         * @return this builder
         * @throws IllegalArgumentException if the value count does not match the shape
         */
        public Builder put(String name, long[] shape, float[] values) {
            long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            if (n != values.length) {
                throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                        + " but " + values.length + " values");
            }
            shapes.put(name, shape.clone());
            data.put(name, values.clone());
            return this;
        }

        /**
         * Removes a tensor if present.
         *
         * @param name tensor name
         * @return this builder
         */
        public Builder remove(String name) {
            shapes.remove(name);
            data.remove(name);
            return this;
        }

        /**
         * Freezes the collected tensors.
         *
         * @return the source
         */
        public InMemoryTensorSource build() {
            return new InMemoryTensorSource(new LinkedHashMap<>(shapes), new LinkedHashMap<>(data));
        }
    }
}
