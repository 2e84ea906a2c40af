package io.github.treelora.bandit;

import io.github.treelora.tree.TaskTree;

/**
 * What the seeded, stochastic selectors share: the task's tree and layer count, per-arm statistics of the observed
 * distances, the step counters and the random state, all of which {@link #state()} saves and {@link #restore}
 * brings back.
 */
abstract class StochasticSelector implements TaskSelector {

    /** The draws. */
    final SeededRandom random;
    /** The current task's tree. */
    TaskTree tree;
    /** Adapted layers. */
    int layers;
    /** Pulls and distance sums per arm and layer. */
    ArmStatistics arms;
    /** Steps selected so far in the epoch. */
    int step;
    /** Steps of the current epoch, 0 before the first. */
    int stepsPerEpoch;

    StochasticSelector(long seed) {
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

    /** Records the epoch's length; subclasses that reset per epoch add to this. */
    @Override
    public void startEpoch(int steps) {
        requireTask();
        SelectorChecks.stepsPerEpoch(steps);
        this.stepsPerEpoch = steps;
    }

    @Override
    public void observe(int[] armsPerLayer, double[] distances) {
        requireTask();
        arms.checkObservation(armsPerLayer, distances);
        for (int l = 0; l < layers; l++) {
            arms.record(armsPerLayer[l], l, distances[l]);
        }
    }

    @Override
    public SelectorState state() {
        requireTask();
        return new SelectorState(arms.pullsMatrix(), arms.sumsMatrix(), step, stepsPerEpoch, random.state());
    }

    @Override
    public void restore(SelectorState state) {
        requireTask();
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

    /** Throws unless {@link #startTask} was called. */
    final void requireTask() {
        SelectorChecks.started(tree);
    }
}
