package io.github.treelora.bandit;

import io.github.treelora.tree.TaskTree;

/**
 * Picks, at every training step and for every adapted layer, one previous task (a memory entry, "arm")
 * whose stored vector the update rule ties that layer to (docs/algorithm.md, "Task selection"). The observation for a
 * pulled arm is
 * the L1 distance between the current task's running vector and the arm's stored vector.
 *
 * <p>Call order: {@link #startTask}, then per epoch {@link #startEpoch}, then per step {@link #select}
 * followed by {@link #observe}. Implementations are deterministic given their seed.
 */
public interface TaskSelector {

    /**
     * Starts a new task over the given tree; all statistics are reset.
     *
     * @param tree the tree over the stored tasks; its slots are the arms
     * @param numLayers number of adapted layers
     */
    void startTask(TaskTree tree, int numLayers);

    /**
     * Starts an epoch of the current task.
     *
     * @param stepsPerEpoch steps in this epoch (T), at least 1
     */
    void startEpoch(int stepsPerEpoch);

    /**
     * Chooses one arm per layer for the next step.
     *
     * @return arm (memory slot) index per layer; a new array
     */
    int[] select();

    /**
     * Records the distances observed for the arms the last {@link #select()} returned.
     *
     * @param arms arm per layer, as returned by select
     * @param distances observed L1 distance per layer
     */
    void observe(int[] arms, double[] distances);

    /**
     * The statistics and counters, for saving.
     *
     * @return a snapshot
     */
    SelectorState state();

    /**
     * Restores a snapshot taken on the same tree (after {@link #startTask}).
     *
     * @param state a snapshot from {@link #state()}
     */
    void restore(SelectorState state);

    /**
     * The state of the selector's random generator, valid between tasks too (a between-task save must keep it,
     * or a resumed run draws other numbers than an uninterrupted one).
     *
     * @return the generator state; 0 for a deterministic selector
     */
    default long randomState() {
        return 0L;
    }

    /**
     * Sets the random generator's state (see {@link #randomState()}); ignored by deterministic selectors.
     *
     * @param state a value returned by {@link #randomState()}
     */
    default void setRandomState(long state) {
    }

    /**
     * The policy this selector implements.
     *
     * @return policy
     */
    SelectorPolicy policy();

    /**
     * A selector for the given policy.
     *
     * @param policy PAPER or REFERENCE
     * @param explorationC the LCB constant c (PAPER; the spec default is 2)
     * @param seed seed of the random generator (REFERENCE sampling; PAPER tie-breaking is deterministic)
     * @return a new selector
     */
    static TaskSelector create(SelectorPolicy policy, double explorationC, long seed) {
        return switch (policy) {
            case PAPER -> new LcbTreeSelector(explorationC);
            case REFERENCE -> new ReferenceSelector(seed);
            case RANDOM -> new RandomSelector(seed);
        };
    }
}
