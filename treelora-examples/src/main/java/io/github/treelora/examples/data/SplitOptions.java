package io.github.treelora.examples.data;

/**
 * Size limits and seed for building a task stream; {@link #UNLIMITED} disables a cap.
 *
 * <p>Caps are applied in order: per class (a seeded random subset of each class), then per task (a
 * seeded, class-balanced subset: each class keeps an equal share, and shares a small class cannot fill
 * go to the others). Selected samples keep their dataset order. The same seed gives the same samples.
 *
 * @param trainPerClass at most this many training samples per class
 * @param testPerClass at most this many test samples per class
 * @param trainPerTask at most this many training samples per task (e.g. for {@code --quick} runs)
 * @param testPerTask at most this many test samples per task
 * @param seed seed of all subsampling
 */
public record SplitOptions(int trainPerClass, int testPerClass, int trainPerTask, int testPerTask, long seed) {
    /** Value that disables a cap. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    /** Default seed. */
    public static final long DEFAULT_SEED = 42L;

    /**
     * Checks that every cap is positive.
     *
     * @param trainPerClass training samples per class
     * @param testPerClass test samples per class
     * @param trainPerTask training samples per task
     * @param testPerTask test samples per task
     * @param seed seed of all subsampling
     */
    public SplitOptions {
        check("trainPerClass", trainPerClass);
        check("testPerClass", testPerClass);
        check("trainPerTask", trainPerTask);
        check("testPerTask", testPerTask);
    }

    private static void check(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1 (or SplitOptions.UNLIMITED), got " + value);
        }
    }

    /**
     * Returns options without caps.
     *
     * @return all samples, seed {@link #DEFAULT_SEED}
     */
    public static SplitOptions full() {
        return new SplitOptions(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED, DEFAULT_SEED);
    }

    /**
     * Returns a copy with per-class caps.
     *
     * @param train training samples per class
     * @param test test samples per class
     * @return the new options
     */
    public SplitOptions withPerClassCaps(int train, int test) {
        return new SplitOptions(train, test, trainPerTask, testPerTask, seed);
    }

    /**
     * Returns a copy with per-task caps.
     *
     * @param train training samples per task
     * @param test test samples per task
     * @return the new options
     */
    public SplitOptions withPerTaskCaps(int train, int test) {
        return new SplitOptions(trainPerClass, testPerClass, train, test, seed);
    }

    /**
     * Returns a copy with another seed.
     *
     * @param newSeed the seed
     * @return the new options
     */
    public SplitOptions withSeed(long newSeed) {
        return new SplitOptions(trainPerClass, testPerClass, trainPerTask, testPerTask, newSeed);
    }
}
