package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.djl.loss.CausalLmLoss;
import java.util.List;
import java.util.Objects;

/**
 * {@link CausalLmTaskData} over host token ids: each sample is a prompt and a completion (both non-empty; end the
 * completion with the end-of-sequence id so that evaluation checks that generation stops). A batch is the
 * concatenation {@code prompt ++ completion}, right-padded with {@code padId} to the longest row of the batch;
 * the attention mask is 0 on padding and the labels hold the completion ids only.
 */
public final class PromptCompletionData extends LabeledTaskData implements CausalLmTaskData {

    private final long[][] prompts;
    private final long[][] completions;
    private final long padId;

    /**
     * Copies the samples.
     *
     * @param prompts prompt ids per sample, non-empty, ids {@code >= 0}
     * @param completions completion ids per sample, non-empty, ids {@code >= 0}
     * @param labels the class id each sample encodes (for validation and reports)
     * @param padId the id written at padding positions (masked out, never predicted), {@code >= 0}
     * @throws IllegalArgumentException naming the sample if the lists differ in size, a sequence is empty or an id
     *     is negative
     */
    public PromptCompletionData(List<long[]> prompts, List<long[]> completions, int[] labels, long padId) {
        super(labels);
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(completions, "completions");
        if (prompts.size() != labels.length || completions.size() != labels.length) {
            throw new IllegalArgumentException(prompts.size() + " prompts, " + completions.size()
                    + " completions and " + labels.length + " labels: the counts must agree");
        }
        if (padId < 0) {
            throw new IllegalArgumentException("padId must be >= 0, got " + padId);
        }
        this.prompts = new long[labels.length][];
        this.completions = new long[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            this.prompts[i] = checked(prompts.get(i), "prompt", i);
            this.completions[i] = checked(completions.get(i), "completion", i);
        }
        this.padId = padId;
    }

    private static long[] checked(long[] ids, String what, int sample) {
        if (ids == null || ids.length == 0) {
            throw new IllegalArgumentException(what + " of sample " + sample + " is empty");
        }
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0) {
                throw new IllegalArgumentException(what + " of sample " + sample + " has negative id " + ids[t]
                        + " at position " + t);
            }
        }
        return ids.clone();
    }

    /**
     * One sample's prompt.
     *
     * @param index sample index
     * @return a copy of its prompt ids
     */
    public long[] prompt(int index) {
        return prompts[Objects.checkIndex(index, size())].clone();
    }

    /**
     * One sample's completion.
     *
     * @param index sample index
     * @return a copy of its completion ids
     */
    public long[] completion(int index) {
        return completions[Objects.checkIndex(index, size())].clone();
    }

    @Override
    public LabeledBatch batch(int[] indices, NDManager manager) {
        int longest = 0;
        for (int index : indices) {
            int i = Objects.checkIndex(index, size());
            longest = Math.max(longest, prompts[i].length + completions[i].length);
        }
        int b = indices.length;
        long[] ids = new long[b * longest];
        long[] mask = new long[b * longest];
        long[] target = new long[b * longest];
        for (int r = 0; r < b; r++) {
            long[] p = prompts[indices[r]];
            long[] c = completions[indices[r]];
            int row = r * longest;
            for (int t = 0; t < longest; t++) {
                boolean inPrompt = t < p.length;
                boolean inCompletion = !inPrompt && t < p.length + c.length;
                ids[row + t] = inPrompt ? p[t] : inCompletion ? c[t - p.length] : padId;
                mask[row + t] = inPrompt || inCompletion ? 1 : 0;
                target[row + t] = inCompletion ? c[t - p.length] : CausalLmLoss.IGNORE_INDEX;
            }
        }
        Shape shape = new Shape(b, longest);
        return new LabeledBatch(new NDList(manager.create(ids, shape), manager.create(mask, shape)),
                manager.create(target, shape));
    }

    @Override
    public String toString() {
        return "PromptCompletionData{" + size() + " samples, pad " + padId + "}";
    }
}
