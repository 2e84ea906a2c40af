package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDManager;

/**
 * {@link TaskData} for causal-language-model tasks (prompt -> completion). A task stream whose splits are all of
 * this type makes the {@link ContinualTrainer} use its causal-LM objective instead of the classification head:
 * <ul>
 *   <li>training: the backbone's block (a causal LM, e.g. {@code LlamaForCausalLM}) maps {@code (inputIds,
 *       attentionMask)} to logits {@code (B, T, V)} with {@code V = featureDim}; the loss is the next-token
 *       cross-entropy of {@code io.github.treelora.djl.loss.CausalLmLoss} over the labelled positions
 *       (the completion; prompt and padding are ignored);</li>
 *   <li>evaluation: exact match of greedy decoding, i.e. a sample counts as correct when greedy generation from
 *       its prompt produces exactly its labelled completion (which should end with the end-of-sequence token, so
 *       that stopping is checked too).</li>
 * </ul>
 * {@link #label(int)} still returns the sample's class id: the trainer uses it to validate the tasks and it
 * names what the completion encodes (e.g. the supersense), but no classification head is built.
 */
public interface CausalLmTaskData extends TaskData {

    /**
     * Builds a batch in {@code manager}.
     *
     * @param indices sample indices, each in {@code [0, size())}; repeats allowed
     * @param manager the manager that owns the returned arrays
     * @return inputs {@code (inputIds int64 (B, T), attentionMask int64 (B, T))} and labels int64 {@code (B, T)}:
     *     the token id at completion positions and {@code CausalLmLoss.IGNORE_INDEX} (-100) at prompt and padding
     *     positions; every row has at least one labelled position after position 0
     */
    @Override
    LabeledBatch batch(int[] indices, NDManager manager);
}
