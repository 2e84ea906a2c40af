package io.github.treelora.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Comparisons of arrays that the tests share. */
public final class TestArrays {

    private TestArrays() {}

    /**
     * The largest absolute difference between two arrays of the same length.
     *
     * @param a one array
     * @param b the other
     * @return {@code max |a[i] - b[i]|}, 0 for empty arrays
     */
    public static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "length");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
