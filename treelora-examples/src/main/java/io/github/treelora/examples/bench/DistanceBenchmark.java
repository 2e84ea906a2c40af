package io.github.treelora.examples.bench;

import io.github.treelora.vector.FloatVectorOps;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * L1 distance of two float vectors of r * d elements (default 8 * 4096) with {@link FloatVectorOps}.
 * Throughput in GB/s = 2 * length * 4 bytes / time per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class DistanceBenchmark {

    @Param({"32768"})
    int length;

    private float[] a;
    private float[] b;

    /** Random vectors. */
    @Setup
    public void setUp() {
        Random r = new Random(2);
        a = new float[length];
        b = new float[length];
        for (int i = 0; i < length; i++) {
            a[i] = (float) r.nextGaussian();
            b[i] = (float) r.nextGaussian();
        }
    }

    /**
     * One L1 distance.
     *
     * @return the distance
     */
    @Benchmark
    public double l1Distance() {
        return FloatVectorOps.INSTANCE.l1Distance(a, b);
    }
}
