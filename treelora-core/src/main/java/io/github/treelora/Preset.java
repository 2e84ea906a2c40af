package io.github.treelora;

/**
 * The two readings of TreeLoRA (see docs/algorithm.md): what the ICML 2025 paper describes and what the
 * authors' published code does. A preset fills every choice of a {@link TreeLoraConfig}; each choice can
 * then be overridden on its own.
 */
public enum Preset {
    /**
     * The paper: task vectors are mean LoRA-A gradients over the task, the L1-median split, the
     * deterministic LCB tree descent, the first-order gradient-direction rule with a constant lambda.
     */
    PAPER,
    /**
     * The published code: task vectors are mean LoRA-A values over the last epoch, the differenced
     * dot-product split, softmax sampling over bandit scores, the loss-rescaled rule with lambda ramping
     * up within each epoch.
     */
    REFERENCE
}
