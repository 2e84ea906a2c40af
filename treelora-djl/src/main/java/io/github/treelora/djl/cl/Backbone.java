package io.github.treelora.djl.cl;

import ai.djl.nn.Block;
import java.util.Objects;

/**
 * A frozen feature extractor: a DJL {@link Block} that maps a batch of inputs to one feature vector per sample,
 * shape {@code (B, featureDim)}. The trainer adds a linear head on top and LoRA adapters inside it.
 *
 * <p>Plugging in your own backbone: build and initialise the block (its parameters on the device to train
 * on), load its pretrained weights, and make its {@code forward} return the pooled features, e.g. the [CLS]
 * token after the final layer norm for a ViT, or masked mean pooling for BERT. Its linear layers must be DJL
 * {@code Linear} blocks (or the project's {@code LinearModule}s) reachable by module path, so that a
 * {@code LoraConfig}'s target names can find them. The block must not carry LoRA adapters yet; the trainer
 * freezes all its parameters. Intermediate arrays should be created from the inputs (not from parameters), so
 * that they belong to the trainer's per-step manager; the project's models follow this rule.
 *
 * <p>For a causal-LM task stream ({@link CausalLmTaskData}) the block is the language model itself, e.g. a
 * {@code LlamaForCausalLM} returning logits {@code (B, T, V)}, and {@code featureDim} is the vocabulary size V.
 *
 * @param name a reference recorded in checkpoints and reports (model name, path or URL); weights are not
 *     saved, only a SHA-256 of them, which must match on resume
 * @param block the initialised feature extractor
 * @param featureDim D, the size of the feature vector
 */
public record Backbone(String name, Block block, long featureDim) {

    /**
     * Validates the parts.
     *
     * @param name non-null
     * @param block non-null
     * @param featureDim at least 1
     */
    public Backbone {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(block, "block");
        if (featureDim < 1) {
            throw new IllegalArgumentException("featureDim must be >= 1, got " + featureDim);
        }
    }
}
