package io.github.treelora.bandit;

import io.github.treelora.tree.TaskTree;

/** Argument and call-order checks shared by the {@link TaskSelector} implementations. */
final class SelectorChecks {

    private SelectorChecks() {
    }

    static void numLayers(int numLayers) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + numLayers);
        }
    }

    static void stepsPerEpoch(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + steps);
        }
    }

    /** Throws unless {@code startTask} has given the selector a tree. */
    static void started(TaskTree tree) {
        if (tree == null) {
            throw new IllegalStateException("startTask must be called before selecting");
        }
    }
}
