package io.github.treelora.bandit;

import io.github.treelora.tree.TreeNode;

/**
 * The stochastic selector of the authors' published code (REFERENCE; docs/algorithm.md, "Task selection"), reproduced
 * formula by
 * formula, including its oddities (adding the minimum score, softmax favouring larger distances).
 *
 * <p>At 0-based step t of an epoch of T steps, for arm k and layer l with n pulls:
 * <ol>
 *   <li>{@code score = mean distance (0 if n = 0) + sqrt(ln(2 T (t+1)(t+2))) / sqrt(2 n + 1e-5)};</li>
 *   <li>{@code score += min(score)} over all arms and layers;</li>
 *   <li>sample a task f from softmax over k of {@code sum_l score[k][l]};</li>
 *   <li>multiply the scores of the root child containing f by {@code min(child threshold, 1.5)}
 *       (1.0 for a leaf child);</li>
 *   <li>divide all scores by {@code max - min + 1e-5};</li>
 *   <li>for each layer, sample k_l from softmax over k of {@code score[.][l]}.</li>
 * </ol>
 * Pull counts and sums reset at every epoch start.
 */
public final class ReferenceSelector extends StochasticSelector {

    /**
     * A selector drawing from a seeded generator.
     *
     * @param seed seed
     */
    public ReferenceSelector(long seed) {
        super(seed);
    }

    @Override
    public void startEpoch(int steps) {
        super.startEpoch(steps);
        this.step = 0;
        arms.reset();
    }

    @Override
    public int[] select() {
        requireTask();
        if (stepsPerEpoch == 0) {
            throw new IllegalStateException("startEpoch must be called before selecting (REFERENCE needs T)");
        }
        double[][] score = scores(arms, step, stepsPerEpoch);
        int k = arms.arms;
        double[] taskScore = new double[k];
        for (int a = 0; a < k; a++) {
            for (int l = 0; l < layers; l++) {
                taskScore[a] += score[a][l];
            }
        }
        int f = sampleSoftmax(taskScore);
        TreeNode root = tree.root();
        if (!root.isLeaf()) {
            TreeNode child = contains(root.left(), f) ? root.left() : root.right();
            double factor = child.isLeaf() ? 1.0 : Math.min(child.threshold(), 1.5);
            for (int j = 0; j < child.slotCount(); j++) {
                double[] row = score[child.slot(j)];
                for (int l = 0; l < layers; l++) {
                    row[l] *= factor;
                }
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double[] row : score) {
            for (double v : row) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
        }
        double range = max - min + 1e-5;
        int[] chosen = new int[layers];
        double[] column = new double[k];
        for (int l = 0; l < layers; l++) {
            for (int a = 0; a < k; a++) {
                column[a] = score[a][l] / range;
            }
            chosen[l] = sampleSoftmax(column);
        }
        step++;
        return chosen;
    }

    @Override
    public SelectorPolicy policy() {
        return SelectorPolicy.REFERENCE;
    }

    /** Steps 1 and 2 of the formula: bandit scores per arm and layer after adding the minimum. */
    static double[][] scores(ArmStatistics stats, int t, int stepsPerEpoch) {
        double bonusNumerator = Math.sqrt(Math.log(2.0 * stepsPerEpoch * (t + 1.0) * (t + 2.0)));
        double[][] score = new double[stats.arms][stats.layers];
        double min = Double.POSITIVE_INFINITY;
        for (int a = 0; a < stats.arms; a++) {
            for (int l = 0; l < stats.layers; l++) {
                int i = stats.index(a, l);
                long n = stats.pulls[i];
                double mean = n == 0 ? 0.0 : stats.sums[i] / n;
                score[a][l] = mean + bonusNumerator / Math.sqrt(2.0 * n + 1e-5);
                min = Math.min(min, score[a][l]);
            }
        }
        for (double[] row : score) {
            for (int l = 0; l < row.length; l++) {
                row[l] += min;
            }
        }
        return score;
    }

    /** Inverse-CDF draw from softmax(logits), numerically stabilised by the maximum. */
    private int sampleSoftmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double[] w = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            w[i] = Math.exp(logits[i] - max);
            total += w[i];
        }
        double u = random.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < w.length; i++) {
            acc += w[i];
            if (u < acc) {
                return i;
            }
        }
        return w.length - 1;
    }

    private static boolean contains(TreeNode node, int slot) {
        for (int j = 0; j < node.slotCount(); j++) {
            if (node.slot(j) == slot) {
                return true;
            }
        }
        return false;
    }
}
