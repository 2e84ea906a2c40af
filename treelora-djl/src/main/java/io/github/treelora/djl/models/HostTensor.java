package io.github.treelora.djl.models;

import java.util.Arrays;

/**
 * A float tensor in Java memory: shape and row-major values.
 *
 * @param shape dimensions (copied on construction and access)
 * @param data {@code product(shape)} values in row-major order (not copied)
 */
public record HostTensor(long[] shape, float[] data) {

    /**
     * Validates that {@code data} holds exactly {@code product(shape)} values.
     *
     * @param shape dimensions (copied on construction and access)
     * @param data {@code product(shape)} values in row-major order (not copied)
     */
    public HostTensor {
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    /** {@inheritDoc} */
    @Override
    public long[] shape() {
        return shape.clone();
    }
}
