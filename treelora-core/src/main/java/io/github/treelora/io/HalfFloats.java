package io.github.treelora.io;

/**
 * Conversions between float and the two 16-bit float formats (IEEE binary16 "F16" and bfloat16
 * "BF16"). Narrowing rounds to nearest, ties to even, like numpy's {@code astype(float16)} and
 * PyTorch's {@code .to(torch.bfloat16)}; NaN stays NaN and overflow becomes infinity.
 */
final class HalfFloats {
    private HalfFloats() {
    }

    /** Widens binary16 bits (low 16 bits of the argument) to float; exact. */
    static float f16ToFloat(int bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24 is exact in float.
            float magnitude = mant * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
        }
        // Rebias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Narrows a float to binary16 bits, rounding to nearest even. */
    static short floatToF16(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int abs = f & 0x7FFF_FFFF;
        if (abs >= 0x7F80_0000) {
            if (abs == 0x7F80_0000) {
                return (short) (sign | 0x7C00);
            }
            // NaN: keep the top payload bits and force a quiet NaN so it cannot become infinity.
            return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x3FF));
        }
        if (abs >= 0x477F_F000) {
            // 65520 and above round to infinity (65504 is the largest finite half).
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x3880_0000) {
            // Below the smallest normal half (2^-14): the result is a multiple of 2^-24. Scaling by
            // 2^24 is exact, and Math.rint rounds half to even. 1024 correctly becomes 2^-14.
            int units = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f);
            return (short) (sign | units);
        }
        int mant = abs & 0x7F_FFFF;
        int h = (((abs >>> 23) - 112) << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
            h++; // a carry into the exponent is the correct result
        }
        return (short) (sign | h);
    }

    /** Widens bfloat16 bits (low 16 bits of the argument) to float; exact. */
    static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Narrows a float to bfloat16 bits, rounding to nearest even. */
    static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if ((f & 0x7FFF_FFFF) > 0x7F80_0000) {
            // NaN: truncating could clear every mantissa bit, so force the quiet bit.
            return (short) ((f >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((f >>> 16) & 1);
        return (short) ((f + roundingBias) >>> 16);
    }
}
