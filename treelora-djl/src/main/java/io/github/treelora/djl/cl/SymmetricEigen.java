package io.github.treelora.djl.cl;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Eigen-decomposition of a real symmetric matrix, in practice the positive semi-definite input covariances
 * InfLoRA decomposes (DJL exposes no eigen solver). It uses EJML's symmetric solver (Householder
 * tridiagonalisation, then implicit symmetric QR), in double precision on the host; it handles the
 * rank-deficient covariances that are the rule here (fewer samples than dimensions). It replaced
 * commons-math3's SVD, which took about 6 times its CPU time at n = 256 and 512 (docs/benchmarks.md,
 * "InfLoRA's eigen-decompositions").
 *
 * <p>Eigenvalues are exactly what the solver returns: on a positive semi-definite matrix, the null space's
 * eigenvalues may come out as tiny negative numbers (rounding, of the order of {@code n * 1e-16} times the
 * largest eigenvalue), which callers that need a rank compare against a threshold relative to the trace.
 *
 * <p>Every eigenvector's sign is fixed: its component of largest magnitude (the first such component, on a tie)
 * is positive. An eigenvector's sign is otherwise arbitrary and depends on the solver's internals; fixing it makes
 * the result, and so InfLoRA's A matrices and checkpoints, independent of them. It does not change training:
 * InfLoRA sets the rows of a new LoRA A to eigenvectors and trains B, which starts at zero; negating row r of A
 * negates B's gradient in column r, Adam's update is odd in the gradient (its first moment changes sign, its
 * second does not) and weight decay is linear, so B's column r evolves as the exact negation, and BA, the layer's
 * output and the whole trajectory stay the same (exactly: IEEE negation is exact and rounding is symmetric).
 * GPM bases only enter through {@code M M^T}.
 *
 * <p>The arrays are the result's own, not copies; callers must not modify them.
 *
 * @param values eigenvalues, largest first
 * @param vectors {@code vectors[i]} is the unit eigenvector of {@code values[i]}
 */
public record SymmetricEigen(double[] values, double[][] vectors) {

    /**
     * Decomposes {@code a} (only read; must be symmetric, up to rounding).
     *
     * @param a square symmetric matrix
     * @return eigenvalues in decreasing order and their eigenvectors
     * @throws IllegalArgumentException if {@code a} is not square or holds a non-finite value
     * @throws IllegalStateException if the solver does not converge
     */
    public static SymmetricEigen of(double[][] a) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            if (a[i].length != n) {
                throw new IllegalArgumentException("matrix is not square: row " + i + " has " + a[i].length
                        + " entries, expected " + n);
            }
            for (double v : a[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("matrix row " + i + " holds a non-finite value " + v);
                }
            }
        }
        if (n == 0) {
            return new SymmetricEigen(new double[0], new double[0][]);
        }
        // A copy: the decomposition overwrites its input.
        DMatrixRMaj m = new DMatrixRMaj(a);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(m)) {
            throw new IllegalStateException("EJML's symmetric eigen-decomposition of a " + n + "x" + n
                    + " matrix did not converge");
        }
        // The solver's order is arbitrary: sort by eigenvalue, largest first (ties keep the solver's order).
        Integer[] order = new Integer[n];
        double[] raw = new double[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
            raw[k] = eig.getEigenvalue(k).real;
        }
        Arrays.sort(order, (x, y) -> Double.compare(raw[y], raw[x]));
        double[] values = new double[n];
        double[][] vectors = new double[n][];
        for (int k = 0; k < n; k++) {
            values[k] = raw[order[k]];
            vectors[k] = withFixedSign(Arrays.copyOf(eig.getEigenVector(order[k]).getData(), n));
        }
        return new SymmetricEigen(values, vectors);
    }

    /** Negates {@code v} in place unless its first component of largest magnitude is positive. */
    private static double[] withFixedSign(double[] v) {
        int largest = 0;
        for (int i = 1; i < v.length; i++) {
            if (Math.abs(v[i]) > Math.abs(v[largest])) {
                largest = i;
            }
        }
        if (v[largest] < 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = -v[i];
            }
        }
        return v;
    }
}
