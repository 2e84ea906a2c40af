package io.github.treelora.djl.cl;

/**
 * {@link CausalLmTaskData} whose evaluation generates free text and scores it with the task's own metric
 * (accuracy, ROUGE-L, edit similarity, SARI, ...) instead of exact match: the {@link ContinualTrainer} decodes every
 * test prompt greedily (batched, without the answer), stops a row at {@link #endId()} or after
 * {@link #maxNewTokens()} tokens, and averages {@link #score} over the split. Training is unchanged
 * (next-token loss on the completion).
 */
public interface GenerationTaskData extends CausalLmTaskData {

    /**
     * One sample's prompt.
     *
     * @param index sample index
     * @return its prompt ids (non-empty)
     */
    long[] prompt(int index);

    /**
     * The most tokens generated per sample, not counting the end token.
     *
     * @return at least 1
     */
    int maxNewTokens();

    /**
     * The token that ends generation.
     *
     * @return its id
     */
    long endId();

    /**
     * The id written at padding positions.
     *
     * @return its id
     */
    long padId();

    /**
     * Scores one generation.
     *
     * @param index sample index
     * @param generated the generated ids, without the end token
     * @return the score in [0, 1]
     */
    double score(int index, long[] generated);
}
