package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    /** A = Q diag(9, 4, 1, 0) Q^T with a hand-built orthonormal Q (a scaled Hadamard matrix). */
    @Test
    void recoversHandBuiltSpectrumIncludingAZeroEigenvalue() {
        double h = 0.5;
        double[][] q = {{h, h, h, h}, {h, -h, h, -h}, {h, h, -h, -h}, {h, -h, -h, h}};
        double[] lambda = {4, 0, 9, 1};
        double[][] a = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 4; k++) {
                    a[i][j] += q[k][i] * lambda[k] * q[k][j];
                }
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a);
        assertEquals(9, e.values()[0], 1e-12);
        assertEquals(4, e.values()[1], 1e-12);
        assertEquals(1, e.values()[2], 1e-12);
        assertEquals(0, e.values()[3], 1e-12);
        // Eigenvectors of the distinct non-zero eigenvalues are q's rows 2, 0, 3 up to sign.
        int[] rowOf = {2, 0, 3};
        for (int k = 0; k < 3; k++) {
            double dot = 0;
            for (int i = 0; i < 4; i++) {
                dot += e.vectors()[k][i] * q[rowOf[k]][i];
            }
            assertEquals(1, Math.abs(dot), 1e-12, "eigenvector " + k);
        }
    }

    /** A v = lambda v and unit norms on a random rank-deficient covariance (more dimensions than samples). */
    @Test
    void satisfiesTheEigenEquationOnARankDeficientCovariance() {
        int n = 40;
        int samples = 15;
        Random r = new Random(7);
        double[][] x = new double[samples][n];
        for (double[] row : x) {
            for (int i = 0; i < n; i++) {
                row[i] = r.nextGaussian();
            }
        }
        double[][] c = new double[n][n];
        for (double[] row : x) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    c[i][j] += row[i] * row[j] / samples;
                }
            }
        }
        SymmetricEigen e = SymmetricEigen.of(c);
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                assertEquals(true, e.values()[k] <= e.values()[k - 1], "values sorted");
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += c[i][j] * e.vectors()[k][j];
                }
                assertEquals(e.values()[k] * e.vectors()[k][i], av, 1e-10, "row " + i + " of A v" + k);
                norm += e.vectors()[k][i] * e.vectors()[k][i];
            }
            assertEquals(1, norm, 1e-12);
            if (k >= samples) {
                assertEquals(0, e.values()[k], 1e-10, "rank is " + samples);
            }
        }
    }

    /**
     * The defining properties at a small decoder's widths (hidden 256, MLP 688), on covariances of fewer samples
     * than dimensions, as InfLoRA decomposes them: A v = lambda v, V orthonormal, V^T diag(lambda) V = A, the
     * rank, and the sign convention.
     */
    @Test
    void decomposesRankDeficientCovariancesAtDecoderWidths() {
        Random r = new Random(11);
        for (int[] shape : new int[][] {{256, 64}, {688, 200}}) {
            int n = shape[0];
            int samples = shape[1];
            double[][] c = covariance(r, n, samples);
            SymmetricEigen e = SymmetricEigen.of(c);
            assertDecomposes(c, e, 1e-12);
            double max = e.values()[0];
            assertTrue(e.values()[samples - 1] > 1e-6 * max, "rank " + samples + " at n " + n);
            assertEquals(0, e.values()[samples], 1e-13 * max, "rank " + samples + " at n " + n);
        }
    }

    @Test
    void rejectsNonSquareAndNonFiniteInput() {
        IllegalArgumentException square = assertThrows(IllegalArgumentException.class,
                () -> SymmetricEigen.of(new double[][] {{1, 2}}));
        assertEquals("matrix is not square: row 0 has 2 entries, expected 1", square.getMessage());
        IllegalArgumentException finite = assertThrows(IllegalArgumentException.class,
                () -> SymmetricEigen.of(new double[][] {{Double.NaN}}));
        assertEquals("matrix row 0 holds a non-finite value NaN", finite.getMessage());
    }

    @Test
    void anEmptyMatrixHasNoEigenvalues() {
        SymmetricEigen e = SymmetricEigen.of(new double[0][]);
        assertEquals(0, e.values().length);
        assertEquals(0, e.vectors().length);
    }

    /** X^T X of {@code samples} Gaussian rows with a non-zero mean (rank {@code samples} when below n). */
    static double[][] covariance(Random r, int n, int samples) {
        double[][] c = new double[n][n];
        double[] x = new double[n];
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < n; i++) {
                x[i] = r.nextGaussian() + 0.3;
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    c[i][j] += x[i] * x[j];
                }
            }
        }
        return c;
    }

    /**
     * Checks what makes {@code e} the eigen-decomposition of {@code a}: values sorted largest first, A v = lambda v,
     * V orthonormal, V^T diag(lambda) V = A, every vector's largest-magnitude component positive; errors relative
     * to the largest eigenvalue's magnitude, within {@code tolerance}.
     */
    static void assertDecomposes(double[][] a, SymmetricEigen e, double tolerance) {
        int n = a.length;
        double[] values = e.values();
        double[][] v = e.vectors();
        assertEquals(n, values.length);
        assertEquals(n, v.length);
        double scale = Math.max(Math.abs(values[0]), Math.abs(values[n - 1]));
        double residual = 0;
        double orthogonality = 0;
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                assertTrue(values[k] <= values[k - 1], "values sorted, k " + k);
            }
            assertEquals(n, v[k].length);
            int largest = 0;
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += a[i][j] * v[k][j];
                }
                residual = Math.max(residual, Math.abs(av - values[k] * v[k][i]));
                if (Math.abs(v[k][i]) > Math.abs(v[k][largest])) {
                    largest = i;
                }
            }
            assertTrue(v[k][largest] > 0, "largest-magnitude component of vector " + k + " is positive");
            for (int l = k; l < n; l++) {
                double d = 0;
                for (int i = 0; i < n; i++) {
                    d += v[k][i] * v[l][i];
                }
                orthogonality = Math.max(orthogonality, Math.abs(d - (k == l ? 1 : 0)));
            }
        }
        double reconstruction = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += v[k][i] * values[k] * v[k][j];
                }
                reconstruction = Math.max(reconstruction, Math.abs(s - a[i][j]));
            }
        }
        assertTrue(residual <= tolerance * scale, "max |A v - lambda v| " + residual + " (largest eigenvalue "
                + scale + ")");
        assertTrue(orthogonality <= tolerance * n, "max |V V^T - I| " + orthogonality);
        assertTrue(reconstruction <= tolerance * scale, "max |V^T diag(lambda) V - A| " + reconstruction);
    }
}
