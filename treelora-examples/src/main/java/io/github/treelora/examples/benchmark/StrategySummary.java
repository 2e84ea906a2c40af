package io.github.treelora.examples.benchmark;

import java.util.List;

/**
 * One strategy over several seeds: mean and sample standard deviation (0 for one seed) of each measure,
 * and the mean accuracy matrix.
 *
 * @param strategy strategy name
 * @param seeds number of runs
 * @param acc ACC (fraction)
 * @param bwt BWT, paper sign (fraction; positive = forgetting)
 * @param forgetting average forgetting (fraction)
 * @param trainSeconds training time per run
 * @param samplesPerSecond training throughput
 * @param meanAccuracy mean R[i][j] over the runs (NaN where i &gt; j)
 */
public record StrategySummary(String strategy, int seeds, Stat acc, Stat bwt, Stat forgetting, Stat trainSeconds,
        Stat samplesPerSecond, double[][] meanAccuracy) {

    /**
     * A mean and a spread.
     *
     * @param mean arithmetic mean
     * @param std sample standard deviation (n - 1 denominator), 0 for a single value
     */
    public record Stat(double mean, double std) {
        /**
         * Mean and sample standard deviation of some values.
         *
         * @param values at least one
         * @return the statistic
         */
        public static Stat of(double[] values) {
            if (values.length == 0) {
                throw new IllegalArgumentException("no values");
            }
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            double mean = sum / values.length;
            if (values.length == 1) {
                return new Stat(mean, 0);
            }
            double ss = 0;
            for (double v : values) {
                ss += (v - mean) * (v - mean);
            }
            return new Stat(mean, Math.sqrt(ss / (values.length - 1)));
        }
    }

    /**
     * Summarises the runs of one strategy.
     *
     * @param strategy the name
     * @param runs at least one run, all with this strategy and the same number of tasks
     * @return the summary
     * @throws IllegalArgumentException if runs are missing, of another strategy, or of different lengths
     */
    public static StrategySummary of(String strategy, List<RunRecord> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs of strategy " + strategy);
        }
        int n = runs.get(0).accuracy().length;
        int k = runs.size();
        double[] acc = new double[k];
        double[] bwt = new double[k];
        double[] fgt = new double[k];
        double[] sec = new double[k];
        double[] sps = new double[k];
        double[][] mean = new double[n][n];
        for (int r = 0; r < k; r++) {
            RunRecord run = runs.get(r);
            if (!run.strategy().equals(strategy)) {
                throw new IllegalArgumentException("run of " + run.strategy() + " in the summary of " + strategy);
            }
            double[][] m = run.accuracy();
            if (m.length != n) {
                throw new IllegalArgumentException(strategy + ": runs have " + n + " and " + m.length + " tasks");
            }
            var metrics = run.metrics();
            acc[r] = metrics.accuracy();
            bwt[r] = metrics.backwardTransfer();
            fgt[r] = metrics.averageForgetting();
            sec[r] = run.trainSeconds();
            sps[r] = run.samplesPerSecond();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    mean[i][j] += j < i ? Double.NaN : m[i][j] / k;
                }
            }
        }
        return new StrategySummary(strategy, k, Stat.of(acc), Stat.of(bwt), Stat.of(fgt), Stat.of(sec),
                Stat.of(sps), mean);
    }
}
