package io.github.treelora.djl.models.llama;

/**
 * Output of greedy generation.
 *
 * @param tokens the generated token ids (prompt excluded; ends with the end-of-sequence id if it was produced)
 * @param stepLogits the next-token logits each token was chosen from, {@code [tokens.length][vocab]}
 */
public record GenerationResult(long[] tokens, float[][] stepLogits) {}
