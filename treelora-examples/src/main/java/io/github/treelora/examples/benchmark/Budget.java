package io.github.treelora.examples.benchmark;

import java.util.Locale;

/**
 * What one strategy gets in a benchmark job: epochs per task and Adam's learning rate. Both are chosen per strategy
 * on a validation holdout (docs/main-job.md), so that each method is compared at its own best setting.
 *
 * @param epochs epochs per task, at least 1
 * @param learningRate Adam's constant learning rate, finite and positive
 */
public record Budget(int epochs, double learningRate) {

    /**
     * Validates.
     *
     * @param epochs epochs per task
     * @param learningRate learning rate
     */
    public Budget {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and positive, got " + learningRate);
        }
    }

    /** @return e.g. {@code 3 epochs, lr 0.01} */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d epochs, lr %s", epochs, learningRate);
    }
}
