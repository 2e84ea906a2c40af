package io.github.treelora.io;

import java.util.Optional;

/**
 * Element types of the safetensors format, with their header names and byte sizes.
 *
 * <p>The constants are declared in the same order as the reference implementation's {@code Dtype}
 * enum (huggingface/safetensors). {@link SafetensorsWriter} lays tensors out by descending
 * declaration order and then by name, exactly like the reference serializer, which keeps every
 * tensor's data naturally aligned when the header is padded to 8 bytes.
 *
 * <p>The 8-bit float formats (F8_E4M3, F8_E5M2, ...) are not supported; a file using them is
 * rejected with a {@link SafetensorsFormatException} naming the tensor.
 */
public enum SafetensorsDType {
    /** Boolean stored as one byte, 0 or 1. */
    BOOL(1, false, false),
    /** Unsigned 8-bit integer. */
    U8(1, false, false),
    /** Signed 8-bit integer. */
    I8(1, false, true),
    /** Signed 16-bit integer. */
    I16(2, false, true),
    /** Unsigned 16-bit integer. */
    U16(2, false, false),
    /** IEEE 754 binary16 half-precision float. */
    F16(2, true, true),
    /** bfloat16: the upper 16 bits of an IEEE 754 binary32 float. */
    BF16(2, true, true),
    /** Signed 32-bit integer. */
    I32(4, false, true),
    /** Unsigned 32-bit integer. */
    U32(4, false, false),
    /** IEEE 754 binary32 float. */
    F32(4, true, true),
    /** IEEE 754 binary64 float. */
    F64(8, true, true),
    /** Signed 64-bit integer. */
    I64(8, false, true),
    /** Unsigned 64-bit integer. */
    U64(8, false, false);

    private final int byteSize;
    private final boolean floatingPoint;
    private final boolean signed;

    SafetensorsDType(int byteSize, boolean floatingPoint, boolean signed) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
        this.signed = signed;
    }

    /**
     * Returns the number of bytes one element occupies in the data buffer.
     *
     * @return 1, 2, 4 or 8
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Returns the name used for this type in the JSON header, e.g. {@code "BF16"}.
     *
     * @return the header name (identical to {@link #name()})
     */
    public String headerName() {
        return name();
    }

    /**
     * Tells whether this is a floating-point type (F16, BF16, F32, F64).
     *
     * @return true for floating-point types
     */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * Tells whether this is an integer type or BOOL (everything that is not floating point).
     *
     * @return true for BOOL, U8, I8, I16, U16, I32, U32, I64, U64
     */
    public boolean isIntegral() {
        return !floatingPoint;
    }

    /**
     * Tells whether values of this type can be negative.
     *
     * @return true for signed integer and floating-point types
     */
    public boolean isSigned() {
        return signed;
    }

    /**
     * Looks up a type by its header name (case-sensitive, as the format requires).
     *
     * @param headerName the {@code dtype} string of a header entry
     * @return the type, or empty when the name is unknown or unsupported
     */
    public static Optional<SafetensorsDType> fromHeaderName(String headerName) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(headerName)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
