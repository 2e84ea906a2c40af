package io.github.treelora.djl.cl;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.treelora.metrics.AccuracyMatrix;
import io.github.treelora.metrics.ContinualMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a continual run, serialisable to JSON with {@link #toJson()}.
 *
 * @param strategy the strategy's name
 * @param strategySettings the strategy's settings
 * @param trainerSettings the trainer's settings ({@link ContinualTrainerConfig#toMap()})
 * @param protocol evaluation protocol
 * @param seed the run's seed
 * @param backbone the backbone's name
 * @param backboneSha256 SHA-256 of the backbone's (frozen) parameters
 * @param taskNames names of the tasks in order
 * @param accuracy R[i][j] = accuracy (fraction in [0, 1]) on task i after training task j; NaN above the
 *     diagonal (JSON: null there)
 * @param metrics ACC, BWT (paper sign and published variant), forgetting
 * @param forwardTransfer FWT against the configured reference accuracies, or null
 * @param tasks per-task training statistics
 * @param totalSeconds wall time of the whole run (for a resumed run: of this process's part plus the recorded
 *     time of the finished tasks)
 * @param resumedAfterTask number of tasks loaded from a checkpoint (0 for a fresh run)
 * @param environment JVM, OS and thread information
 */
public record ContinualResult(String strategy, Map<String, Object> strategySettings,
        Map<String, Object> trainerSettings, EvaluationProtocol protocol, long seed, String backbone,
        String backboneSha256, List<String> taskNames, @JsonIgnore double[][] accuracy, ContinualMetrics metrics,
        Double forwardTransfer, List<TaskStats> tasks, double totalSeconds, int resumedAfterTask,
        Map<String, Object> environment) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /**
     * Training statistics of one task.
     *
     * @param id task id
     * @param name task name
     * @param epochs epochs trained
     * @param steps optimizer steps
     * @param samples training samples seen (over all epochs)
     * @param trainSeconds wall time of training, the strategy's work before and after the epochs included (without
     *        evaluation and checkpointing)
     * @param samplesPerSecond training throughput
     * @param epochLosses mean total loss of each epoch
     */
    public record TaskStats(int id, String name, int epochs, long steps, long samples, double trainSeconds,
            double samplesPerSecond, List<Double> epochLosses) {

        /**
         * Copies the losses.
         *
         * @param id task id
         * @param name task name
         * @param epochs epochs trained
         * @param steps optimizer steps
         * @param samples samples seen
         * @param trainSeconds training wall time
         * @param samplesPerSecond throughput
         * @param epochLosses mean loss per epoch
         */
        public TaskStats {
            epochLosses = List.copyOf(epochLosses);
        }

        /**
         * The mean loss of the last epoch.
         *
         * @return loss, NaN if no epoch ran
         */
        public double finalLoss() {
            return epochLosses.isEmpty() ? Double.NaN : epochLosses.get(epochLosses.size() - 1);
        }
    }

    /**
     * The accuracy matrix as the core type.
     *
     * @return a new matrix holding {@link #accuracy()}
     */
    public AccuracyMatrix accuracyMatrix() {
        AccuracyMatrix m = new AccuracyMatrix(accuracy.length);
        for (int i = 0; i < accuracy.length; i++) {
            for (int j = i; j < accuracy.length; j++) {
                if (!Double.isNaN(accuracy[i][j])) {
                    m.set(i, j, accuracy[i][j]);
                }
            }
        }
        return m;
    }

    /**
     * The accuracy matrix for JSON: rows of R with null where undefined.
     *
     * @return rows
     */
    @JsonProperty("accuracy")
    public List<List<Double>> accuracyRows() {
        List<List<Double>> rows = new ArrayList<>();
        for (double[] row : accuracy) {
            List<Double> r = new ArrayList<>();
            for (double v : row) {
                r.add(Double.isNaN(v) ? null : v);
            }
            rows.add(r);
        }
        return rows;
    }

    /**
     * A copy of R.
     *
     * @return R[i][j], NaN where undefined
     */
    @Override
    public double[][] accuracy() {
        return AccuracyMatrix.copyRows(accuracy);
    }

    /**
     * Pretty-printed JSON of the whole result.
     *
     * @return JSON text
     */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise the result of " + strategy, e);
        }
    }

    /**
     * Writes {@link #toJson()} to a file.
     *
     * @param file target file (parent directories are created)
     * @throws IOException on write failure
     */
    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, toJson());
    }
}
