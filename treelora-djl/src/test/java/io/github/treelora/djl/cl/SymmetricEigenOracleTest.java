package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.djl.oracle.PythonOracle;
import io.github.treelora.io.SafetensorsFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link SymmetricEigen} against numpy.linalg.eigh (LAPACK's syevd) on rank-deficient covariances like InfLoRA's,
 * made by {@code src/test/python/oracle/symmetric_eigen.py}: n = 256 and 688 with fewer samples than dimensions,
 * and a covariance projected away from an orthonormal basis. Eigenvalues must agree everywhere; eigenvectors up to
 * sign wherever the eigenvalue is separated from its neighbours (a repeated eigenvalue's vectors, such as the null
 * space's, are any orthonormal basis of its eigenspace, so there only the defining properties are checked).
 */
class SymmetricEigenOracleTest {

    /** Relative eigenvalue separation above which an eigenvector is determined well enough to compare. */
    private static final double GAP = 1e-5;

    @Test
    void agreesWithNumpyEigh() throws Exception {
        Path file = PythonOracle.generated("symmetric_eigen.py").resolve("eigen.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String[] cases = f.metadata().get("cases").split(",");
            String[] ranks = f.metadata().get("ranks").split(",");
            assertEquals(3, cases.length);
            for (int c = 0; c < cases.length; c++) {
                String name = cases[c];
                int rank = Integer.parseInt(ranks[c]);
                double[] flat = f.readDoubles(name + ".matrix");
                int n = f.readDoubles(name + ".values").length;
                double[][] a = rows(flat, n);
                double[] want = f.readDoubles(name + ".values");
                double[][] wantVectors = rows(f.readDoubles(name + ".vectors"), n);

                SymmetricEigen e = SymmetricEigen.of(a);
                SymmetricEigenTest.assertDecomposes(a, e, 1e-12);
                double max = want[0];
                for (int k = 0; k < n; k++) {
                    assertEquals(want[k], e.values()[k], 1e-13 * max, name + ": eigenvalue " + k);
                }
                assertTrue(e.values()[rank - 1] > 1e-11 * max, name + ": rank " + rank);
                int compared = 0;
                for (int k = 0; k < rank; k++) {
                    double below = k + 1 < n ? want[k] - want[k + 1] : Double.POSITIVE_INFINITY;
                    double above = k > 0 ? want[k - 1] - want[k] : Double.POSITIVE_INFINITY;
                    if (Math.min(below, above) < GAP * max) {
                        continue;
                    }
                    double dot = 0;
                    for (int i = 0; i < n; i++) {
                        dot += e.vectors()[k][i] * wantVectors[k][i];
                    }
                    double sign = Math.signum(dot);
                    for (int i = 0; i < n; i++) {
                        assertEquals(sign * wantVectors[k][i], e.vectors()[k][i], 1e-9,
                                name + ": eigenvector " + k + " component " + i);
                    }
                    compared++;
                }
                // Not a vacuous comparison: at least the well-separated top of the spectrum.
                assertTrue(compared >= 20, name + ": only " + compared + " eigenvectors compared");
            }
        }
    }

    private static double[][] rows(double[] flat, int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * n, m[i], 0, n);
        }
        return m;
    }
}
