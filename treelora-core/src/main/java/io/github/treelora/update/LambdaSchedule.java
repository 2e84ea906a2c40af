package io.github.treelora.update;

/**
 * The regularisation strength at a step (docs/algorithm.md, "Update rules").
 *
 * @param lambda the base strength (final value of a ramp)
 * @param rampPerEpoch whether the strength ramps linearly from 0 to lambda within each epoch
 */
public record LambdaSchedule(double lambda, boolean rampPerEpoch) {

    /**
     * Validates lambda.
     *
     * @param lambda finite, non-negative
     * @param rampPerEpoch ramp switch
     */
    public LambdaSchedule {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
    }

    /**
     * The same strength at every step (PAPER).
     *
     * @param lambda strength
     * @return the schedule
     */
    public static LambdaSchedule constant(double lambda) {
        return new LambdaSchedule(lambda, false);
    }

    /**
     * {@code lambda_t = lambda * t / T}, t the 0-based step within the epoch and T the steps per epoch
     * (REFERENCE).
     *
     * @param lambda final strength
     * @return the schedule
     */
    public static LambdaSchedule linearRampPerEpoch(double lambda) {
        return new LambdaSchedule(lambda, true);
    }

    /**
     * The strength at a step.
     *
     * @param stepInEpoch 0-based step t within the epoch
     * @param stepsPerEpoch steps per epoch T, at least 1
     * @return lambda_t
     */
    public double at(int stepInEpoch, int stepsPerEpoch) {
        if (!rampPerEpoch) {
            return lambda;
        }
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + stepsPerEpoch);
        }
        return lambda * stepInEpoch / stepsPerEpoch;
    }
}
