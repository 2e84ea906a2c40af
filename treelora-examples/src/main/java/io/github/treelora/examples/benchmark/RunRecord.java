package io.github.treelora.examples.benchmark;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.treelora.djl.cl.ContinualResult;
import io.github.treelora.metrics.AccuracyMatrix;
import io.github.treelora.metrics.ContinualMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the report needs from one continual run (one strategy, one seed): the accuracy matrix and the
 * training cost. {@link #of(ContinualResult)} extracts it from the trainer's result.
 *
 * @param strategy strategy name
 * @param seed the run's seed
 * @param accuracy R[i][j] = accuracy (fraction) on task i after training task j, square, complete for i &lt;= j
 * @param trainSeconds wall time spent training (all tasks, without evaluation)
 * @param trainSamples training samples processed (all tasks and epochs)
 * @param totalSeconds wall time of the whole run (training, evaluation, setup)
 */
public record RunRecord(String strategy, long seed, @JsonIgnore double[][] accuracy, double trainSeconds,
        long trainSamples, double totalSeconds) {

    /**
     * Validates: a square, non-empty matrix with finite values on and below the diagonal's columns
     * (i &lt;= j), non-negative times and counts.
     *
     * @param strategy name
     * @param seed seed
     * @param accuracy matrix (deep-copied)
     * @param trainSeconds training time
     * @param trainSamples samples
     * @param totalSeconds run time
     */
    public RunRecord {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(accuracy, "accuracy");
        int n = accuracy.length;
        if (n == 0) {
            throw new IllegalArgumentException(strategy + ": the accuracy matrix is empty");
        }
        double[][] copy = new double[n][];
        for (int i = 0; i < n; i++) {
            if (accuracy[i].length != n) {
                throw new IllegalArgumentException(strategy + ": accuracy row " + i + " has " + accuracy[i].length
                        + " entries, expected " + n);
            }
            for (int j = i; j < n; j++) {
                if (!Double.isFinite(accuracy[i][j])) {
                    throw new IllegalArgumentException(strategy + ": accuracy R[" + i + "][" + j + "] is "
                            + accuracy[i][j]);
                }
            }
            copy[i] = accuracy[i].clone();
        }
        accuracy = copy;
        if (trainSeconds < 0 || totalSeconds < 0 || trainSamples < 0) {
            throw new IllegalArgumentException(strategy + ": negative time or sample count");
        }
    }

    /**
     * Extracts the record of a trainer result.
     *
     * @param result a complete run
     * @return the record
     */
    public static RunRecord of(ContinualResult result) {
        double seconds = 0;
        long samples = 0;
        for (ContinualResult.TaskStats t : result.tasks()) {
            seconds += t.trainSeconds();
            samples += t.samples();
        }
        return new RunRecord(result.strategy(), result.seed(), result.accuracy(), seconds, samples,
                result.totalSeconds());
    }

    /**
     * A copy of the matrix.
     *
     * @return R, NaN above the diagonal where undefined
     */
    @Override
    public double[][] accuracy() {
        return AccuracyMatrix.copyRows(accuracy);
    }

    /**
     * The matrix for JSON: rows, {@code null} above the diagonal.
     *
     * @return rows of R
     */
    @JsonProperty("accuracy")
    public List<List<Double>> accuracyRows() {
        List<List<Double>> rows = new ArrayList<>();
        for (int i = 0; i < accuracy.length; i++) {
            List<Double> row = new ArrayList<>();
            for (int j = 0; j < accuracy.length; j++) {
                row.add(j < i ? null : accuracy[i][j]);
            }
            rows.add(row);
        }
        return rows;
    }

    /**
     * ACC, BWT and forgetting of this run (treelora-core's definitions).
     *
     * @return the metrics after the last task
     */
    @JsonProperty("metrics")
    public ContinualMetrics metrics() {
        return ContinualMetrics.of(AccuracyMatrix.of(accuracy));
    }

    /**
     * Training throughput.
     *
     * @return samples per second of training time (0 when no time was measured)
     */
    @JsonProperty("samples_per_second")
    public double samplesPerSecond() {
        return trainSeconds > 0 ? trainSamples / trainSeconds : 0;
    }
}
