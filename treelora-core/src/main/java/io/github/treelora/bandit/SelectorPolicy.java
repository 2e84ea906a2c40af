package io.github.treelora.bandit;

/** Which task-selection policy picks a previous task per layer (docs/algorithm.md, "Task selection"). */
public enum SelectorPolicy {
    /** The paper: deterministic lower-confidence-bound descent of the task tree ({@link LcbTreeSelector}). */
    PAPER,
    /** The published code: stochastic softmax sampling over bandit scores ({@link ReferenceSelector}). */
    REFERENCE,
    /** Ablation: a uniformly random previous task per layer and step, no tree, no bandit ({@link RandomSelector}). */
    RANDOM
}
