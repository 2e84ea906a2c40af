package io.github.treelora.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * Immutable description of one tensor in a safetensors file: its name, element type, shape and the
 * byte range {@code [begin, end)} of its data. Offsets are relative to the start of the data buffer
 * (the first byte after the JSON header), exactly as written in the header's {@code data_offsets}.
 *
 * <p>A shape of length 0 is a scalar (one element); a shape containing 0 is an empty tensor
 * ({@code begin == end}). The constructor checks that {@code end - begin} equals the element count
 * times the element size, so every instance is self-consistent.
 *
 * @param name tensor name (the header key)
 * @param dtype element type
 * @param shape dimensions, row-major; copied on construction and on access
 * @param begin first byte of the data, relative to the data buffer
 * @param end one past the last byte of the data, relative to the data buffer
 */
public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

    /**
     * Creates a tensor description after checking it.
     *
     * @param name tensor name (the header key)
     * @param dtype element type
     * @param shape dimensions, row-major; copied on construction and on access
     * @param begin first byte of the data, relative to the data buffer
     * @param end one past the last byte of the data, relative to the data buffer
     * @throws IllegalArgumentException when a dimension or offset is negative, {@code begin > end},
     *     the element count overflows a long, or the byte range does not match shape and dtype
     * @throws NullPointerException when name, dtype or shape is null
     */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        String problem = inconsistency(dtype, shape, begin, end);
        if (problem != null) {
            throw new IllegalArgumentException("tensor '" + name + "': " + problem);
        }
    }

    /**
     * Checks the numbers of a tensor entry; shared by this constructor and the file reader so that
     * both report the same problems.
     *
     * @return null when consistent, otherwise a description of the first problem found
     */
    static String inconsistency(SafetensorsDType dtype, long[] shape, long begin, long end) {
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                return "negative dimension " + shape[i] + " at index " + i + " in shape "
                        + Arrays.toString(shape);
            }
        }
        if (begin < 0 || end < 0) {
            return "negative data offset in [" + begin + ", " + end + "]";
        }
        if (begin > end) {
            return "data_offsets begin " + begin + " is after end " + end;
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elementCount(shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            return "shape " + Arrays.toString(shape) + " of " + dtype + " overflows a 64-bit byte count";
        }
        if (bytes != end - begin) {
            return "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin);
        }
        return null;
    }

    /**
     * Product of the dimensions (1 for a scalar).
     *
     * @throws ArithmeticException on overflow
     */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Returns a copy of the shape.
     *
     * @return the dimensions, row-major (empty for a scalar)
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the number of dimensions.
     *
     * @return 0 for a scalar
     */
    public int rank() {
        return shape.length;
    }

    /**
     * Returns the number of elements: the product of the shape, 1 for a scalar, 0 for an empty tensor.
     *
     * @return the element count
     */
    public long elementCount() {
        return elementCount(shape);
    }

    /**
     * Returns the number of data bytes, {@code end - begin}.
     *
     * @return the byte length of the tensor's data
     */
    public long byteLength() {
        return end - begin;
    }

    /**
     * Compares all components, the shape by content.
     *
     * @param o the other object
     * @return true when o is a TensorInfo with equal name, dtype, shape and offsets
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    /**
     * Hash consistent with {@link #equals(Object)}.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    /**
     * Readable form, e.g. {@code TensorInfo[name=w, dtype=F32, shape=[2, 3], begin=0, end=24]}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return "TensorInfo[name=" + name + ", dtype=" + dtype + ", shape=" + Arrays.toString(shape)
                + ", begin=" + begin + ", end=" + end + "]";
    }
}
