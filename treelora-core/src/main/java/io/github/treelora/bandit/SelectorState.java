package io.github.treelora.bandit;

/**
 * A snapshot of a selector's statistics and counters, for saving and resuming mid-task.
 *
 * @param pulls pulls per arm and layer, {@code [arm][layer]}
 * @param sums summed observed distances per arm and layer, {@code [arm][layer]}
 * @param step steps selected so far in the current task (PAPER) or epoch (REFERENCE)
 * @param stepsPerEpoch steps per epoch T (REFERENCE; 0 when unused)
 * @param rngState state of the selector's random generator
 */
public record SelectorState(long[][] pulls, double[][] sums, int step, int stepsPerEpoch, long rngState) {

    /**
     * Validates shapes.
     *
     * @param pulls non-null, rectangular
     * @param sums same shape as pulls
     * @param step non-negative
     * @param stepsPerEpoch non-negative
     * @param rngState any value
     */
    public SelectorState {
        if (pulls.length != sums.length) {
            throw new IllegalArgumentException("pulls has " + pulls.length + " arms, sums " + sums.length);
        }
        for (int k = 0; k < pulls.length; k++) {
            if (pulls[k].length != sums[k].length || pulls[k].length != pulls[0].length) {
                throw new IllegalArgumentException("ragged bandit statistics at arm " + k);
            }
            for (long p : pulls[k]) {
                if (p < 0) {
                    throw new IllegalArgumentException("negative pull count at arm " + k);
                }
            }
        }
        if (step < 0 || stepsPerEpoch < 0) {
            throw new IllegalArgumentException("negative step counter");
        }
    }
}
