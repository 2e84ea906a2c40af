package io.github.treelora.examples.bench;

import io.github.treelora.djl.cl.SymmetricEigen;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One eigen-decomposition of an InfLoRA-like input covariance: X^T X of n / 4 Gaussian samples with a non-zero
 * mean (rank-deficient, as with fewer samples than dimensions), for a small decoder's widths. {@code EJML} is
 * {@link SymmetricEigen#of} (EJML's symmetric solver); {@code COMMONS_MATH_SVD} is the solver it replaced,
 * commons-math3's SVD, whose U and singular values are the eigen-decomposition of such a matrix.
 *
 * <p>Besides JMH's wall time per call, the secondary result {@code cpuMillis} is the benchmark thread's CPU time
 * per call: on a shared, loaded machine it is the steadier of the two (wall time there measures the load too).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
public class EigenBenchmark {

    /** The compared solvers. */
    public enum Solver {
        /** commons-math3 3.6.1 SingularValueDecomposition (the former SymmetricEigen). */
        COMMONS_MATH_SVD,
        /** EJML's symmetric eigen-decomposition through SymmetricEigen. */
        EJML
    }

    @Param({"256", "512", "688"})
    int n;

    @Param({"COMMONS_MATH_SVD", "EJML"})
    Solver solver;

    private double[][] covariance;

    /** The benchmark thread's CPU time, reported by JMH as the secondary result {@code cpuMillis}. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class CpuTime {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        /** CPU milliseconds of the calls of this iteration (one call in single-shot mode). */
        public double cpuMillis;

        long now() {
            return THREADS.getCurrentThreadCpuTime();
        }
    }

    /** Builds the covariance, the same for both solvers at a given n. */
    @Setup
    public void setUp() {
        Random r = new Random(n);
        double[][] c = new double[n][n];
        double[] x = new double[n];
        for (int s = 0; s < n / 4; s++) {
            for (int i = 0; i < n; i++) {
                x[i] = r.nextGaussian() + 0.3;
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    c[i][j] += x[i] * x[j];
                }
            }
        }
        covariance = c;
    }

    /**
     * One decomposition, eigenvalues and eigenvectors.
     *
     * @param cpu where the call's CPU time is added
     * @return the leading eigenvector (consumed by JMH)
     */
    @Benchmark
    public double[] decompose(CpuTime cpu) {
        long start = cpu.now();
        double[] v;
        if (solver == Solver.EJML) {
            v = SymmetricEigen.of(covariance).vectors()[0];
        } else {
            SingularValueDecomposition svd =
                    new SingularValueDecomposition(new Array2DRowRealMatrix(covariance, true));
            v = svd.getUT().getRow(0);
        }
        cpu.cpuMillis += (cpu.now() - start) / 1e6;
        return v;
    }
}
