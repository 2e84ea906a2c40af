package io.github.treelora.djl.cl;

import java.util.SplittableRandom;

/**
 * The data order of a run: one permutation per (seed, task, epoch), computed without state, so that a run
 * resumed from a checkpoint visits the same batches as an uninterrupted one.
 */
public final class DataOrder {

    private DataOrder() {
    }

    /**
     * A uniformly random permutation of {@code 0..n-1} (Fisher-Yates over SplitMix64).
     *
     * @param n number of samples, at least 0
     * @param seed the run's seed
     * @param taskIndex position of the task in the sequence
     * @param epoch 0-based epoch within the task
     * @return the permutation
     */
    public static int[] permutation(int n, long seed, int taskIndex, int epoch) {
        return permutation(n, new SplittableRandom(mix(seed, taskIndex, epoch)));
    }

    /**
     * A uniformly random permutation of {@code 0..n-1} drawn from a generator (Fisher-Yates, {@code n - 1} draws).
     *
     * @param n number of samples, at least 0
     * @param random the generator, advanced by the draws
     * @return the permutation
     */
    public static int[] permutation(int n, SplittableRandom random) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * A seed derived from the run's seed and two counters (distinct counters give unrelated streams).
     *
     * @param seed the run's seed
     * @param a first counter
     * @param b second counter
     * @return derived seed
     */
    public static long mix(long seed, long a, long b) {
        long z = seed;
        z = splitMix(z ^ splitMix(a + 0x9E3779B97F4A7C15L));
        z = splitMix(z ^ splitMix(b + 0xC2B2AE3D27D4EB4FL));
        return z;
    }

    private static long splitMix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
