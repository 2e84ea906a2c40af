package io.github.treelora.bandit;

import io.github.treelora.tree.TaskTree;

/**
 * The ablation the paper reports as "random task selection": at every step each layer gets a previous task drawn
 * uniformly at random (seeded), ignoring the tree and the bandit scores. Pulls and distances are still recorded, so
 * its state has the same shape as the other selectors'.
 */
public final class RandomSelector implements TaskSelector {

    private final SeededRandom random;
    private TaskTree tree;
    private int layers;
    private ArmStatistics arms;
    private int step;
    private int stepsPerEpoch;

    /**
     * Creates the selector.
     *
     * @param seed seed of the draws
     */
    public RandomSelector(long seed) {
        this.random = new SeededRandom(seed);
    }

    @Override
    public void startTask(TaskTree taskTree, int numLayers) {
        SelectorChecks.numLayers(numLayers);
        this.tree = taskTree;
        this.layers = numLayers;
        this.arms = new ArmStatistics(taskTree.numSlots(), numLayers);
        this.step = 0;
        this.stepsPerEpoch = 0;
    }

    @Override
    public void startEpoch(int steps) {
        SelectorChecks.started(tree);
        SelectorChecks.stepsPerEpoch(steps);
        this.stepsPerEpoch = steps;
    }

    @Override
    public int[] select() {
        SelectorChecks.started(tree);
        int[] chosen = new int[layers];
        for (int l = 0; l < layers; l++) {
            chosen[l] = (int) Math.min(arms.arms - 1, (long) (random.nextDouble() * arms.arms));
        }
        step++;
        return chosen;
    }

    @Override
    public void observe(int[] armsPerLayer, double[] distances) {
        SelectorChecks.started(tree);
        arms.checkObservation(armsPerLayer, distances);
        for (int l = 0; l < layers; l++) {
            arms.record(armsPerLayer[l], l, distances[l]);
        }
    }

    @Override
    public SelectorState state() {
        SelectorChecks.started(tree);
        return new SelectorState(arms.pullsMatrix(), arms.sumsMatrix(), step, stepsPerEpoch, random.state());
    }

    @Override
    public void restore(SelectorState state) {
        SelectorChecks.started(tree);
        arms.load(state);
        step = state.step();
        stepsPerEpoch = state.stepsPerEpoch();
        random.setState(state.rngState());
    }

    @Override
    public long randomState() {
        return random.state();
    }

    @Override
    public void setRandomState(long state) {
        random.setState(state);
    }

    @Override
    public SelectorPolicy policy() {
        return SelectorPolicy.RANDOM;
    }
}
