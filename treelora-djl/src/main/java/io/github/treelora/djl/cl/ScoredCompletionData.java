package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDManager;
import java.util.Objects;

/**
 * {@link GenerationTaskData} over a {@link PromptCompletionData} (which builds the training batches) and a scoring
 * function for generated ids.
 */
public final class ScoredCompletionData implements GenerationTaskData {

    /** Scores one generated answer. */
    @FunctionalInterface
    public interface Scorer {
        /**
         * Scores.
         *
         * @param index sample index
         * @param generated generated ids without the end token
         * @return score in [0, 1]
         */
        double score(int index, long[] generated);
    }

    private final PromptCompletionData data;
    private final int maxNewTokens;
    private final long endId;
    private final long padId;
    private final Scorer scorer;

    /**
     * Wraps the data.
     *
     * @param data prompts and completions (completions end with {@code endId})
     * @param maxNewTokens the most generated tokens per sample, {@code >= 1}
     * @param endId the end token
     * @param padId the padding id of {@code data}
     * @param scorer the metric
     */
    public ScoredCompletionData(PromptCompletionData data, int maxNewTokens, long endId, long padId, Scorer scorer) {
        this.data = Objects.requireNonNull(data, "data");
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        this.maxNewTokens = maxNewTokens;
        this.endId = endId;
        this.padId = padId;
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public int label(int index) {
        return data.label(index);
    }

    @Override
    public LabeledBatch batch(int[] indices, NDManager manager) {
        return data.batch(indices, manager);
    }

    @Override
    public long[] prompt(int index) {
        return data.prompt(index);
    }

    /**
     * One sample's reference completion.
     *
     * @param index sample index
     * @return its ids (ending with the end token)
     */
    public long[] completion(int index) {
        return data.completion(index);
    }

    @Override
    public int maxNewTokens() {
        return maxNewTokens;
    }

    @Override
    public long endId() {
        return endId;
    }

    @Override
    public long padId() {
        return padId;
    }

    @Override
    public double score(int index, long[] generated) {
        return scorer.score(index, generated);
    }

    @Override
    public String toString() {
        return "ScoredCompletionData{" + data + ", max " + maxNewTokens + " new tokens}";
    }
}
