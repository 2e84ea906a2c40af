package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        java.util.Random r = new java.util.Random(7);
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

    @Test
    void rejectsNonSquareAndNonFiniteInput() {
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][] {{1, 2}}));
        assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][] {{Double.NaN}}));
    }
}
