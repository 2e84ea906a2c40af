package io.github.treelora.metrics;

/**
 * Continual-learning metrics from an {@link AccuracyMatrix} after the first {@code n} tasks (docs/algorithm.md,
 * "Metrics").
 * All values are in the matrix's unit (fraction or percent).
 *
 * @param tasks n, the number of tasks evaluated
 * @param accuracy ACC (OP for LLMs): mean_i R[i][n-1]
 * @param backwardTransfer BWT, paper sign: (1/n) sum_i (R[i][i] - R[i][n-1]); positive means forgetting
 * @param backwardTransferPublished the published code's variant: (1/n) sum_i min(R[i][n-1] - R[i][i], 0)
 * @param forgetting per task i &lt; n-1: max_{i &lt;= j &lt; n-1} R[i][j] - R[i][n-1] (length n-1)
 * @param averageForgetting mean of {@code forgetting}, 0 when n = 1
 */
public record ContinualMetrics(int tasks, double accuracy, double backwardTransfer,
        double backwardTransferPublished, double[] forgetting, double averageForgetting) {

    /**
     * Metrics over the completed tasks of the matrix.
     *
     * @param m the accuracy matrix; at least its first column complete
     * @return the metrics
     */
    public static ContinualMetrics of(AccuracyMatrix m) {
        int n = m.completedTasks();
        if (n == 0) {
            throw new IllegalArgumentException("no completed task in the accuracy matrix");
        }
        return of(m, n);
    }

    /**
     * Metrics after the first n tasks.
     *
     * @param m the accuracy matrix
     * @param n number of tasks, 1..N, with columns 0..n-1 complete
     * @return the metrics
     */
    public static ContinualMetrics of(AccuracyMatrix m, int n) {
        if (n < 1 || n > m.completedTasks()) {
            throw new IllegalArgumentException("metrics after " + n + " tasks need columns 0.." + (n - 1)
                    + " of the accuracy matrix; " + m.completedTasks() + " are complete");
        }
        int last = n - 1;
        double acc = 0;
        double bwt = 0;
        double bwtPublished = 0;
        for (int i = 0; i < n; i++) {
            acc += m.get(i, last);
            bwt += m.get(i, i) - m.get(i, last);
            bwtPublished += Math.min(m.get(i, last) - m.get(i, i), 0.0);
        }
        double[] forgetting = new double[last];
        double avgForgetting = 0;
        for (int i = 0; i < last; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = i; j < last; j++) {
                best = Math.max(best, m.get(i, j));
            }
            forgetting[i] = best - m.get(i, last);
            avgForgetting += forgetting[i];
        }
        return new ContinualMetrics(n, acc / n, bwt / n, bwtPublished / n, forgetting,
                last == 0 ? 0.0 : avgForgetting / last);
    }

    /**
     * Forward transfer given a per-task reference accuracy (for example the frozen backbone with a fresh
     * head trained on that task alone): {@code (1/n) sum_i (R[i][i] - reference[i])}.
     *
     * @param m the accuracy matrix
     * @param reference reference accuracy per task, at least n entries
     * @param n number of tasks
     * @return FWT
     */
    public static double forwardTransfer(AccuracyMatrix m, double[] reference, int n) {
        if (reference.length < n) {
            throw new IllegalArgumentException("FWT needs a reference accuracy for each of the " + n
                    + " tasks, got " + reference.length);
        }
        if (n < 1 || n > m.completedTasks()) {
            throw new IllegalArgumentException("FWT after " + n + " tasks needs " + n + " complete columns");
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += m.get(i, i) - reference[i];
        }
        return s / n;
    }

    /**
     * Defensive copy of the per-task forgetting.
     *
     * @return forgetting per task
     */
    @Override
    public double[] forgetting() {
        return forgetting.clone();
    }
}
