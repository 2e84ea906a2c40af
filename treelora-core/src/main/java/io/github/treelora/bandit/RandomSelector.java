package io.github.treelora.bandit;

/**
 * The ablation the paper reports as "random task selection": at every step each layer gets a previous task drawn
 * uniformly at random (seeded), ignoring the tree and the bandit scores. Pulls and distances are still recorded, so
 * its state has the same shape as the other selectors'.
 */
public final class RandomSelector extends StochasticSelector {

    /**
     * Creates the selector.
     *
     * @param seed seed of the draws
     */
    public RandomSelector(long seed) {
        super(seed);
    }

    @Override
    public int[] select() {
        requireTask();
        int[] chosen = new int[layers];
        for (int l = 0; l < layers; l++) {
            chosen[l] = (int) Math.min(arms.arms - 1, (long) (random.nextDouble() * arms.arms));
        }
        step++;
        return chosen;
    }

    @Override
    public SelectorPolicy policy() {
        return SelectorPolicy.RANDOM;
    }
}
