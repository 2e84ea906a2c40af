package io.github.treelora.bandit;

import io.github.treelora.tree.TaskTree;
import io.github.treelora.tree.TreeNode;

/**
 * The paper's deterministic lower-confidence-bound selector with hierarchical descent (PAPER; docs/algorithm.md,
 * "Task selection").
 *
 * <p>Observations are distances, so smaller is better and the bandit minimises. For arm k at layer l after
 * t steps of the task: {@code LCB = mu_kl - c * sqrt(ln t / n_kl)}; an arm never pulled scores
 * {@code -infinity}, so every arm is pulled once first.
 *
 * <p>Descent. Evaluating the exact recursive value of every subtree costs O(N) per layer and step; instead,
 * as in the hierarchical bandits of Coquelin and Munos, each internal node keeps the aggregated pulls and
 * distances of its subtree and is scored like an arm whose confidence width is widened by the node's
 * radius: {@code value = mean - (c * sqrt(ln t) + delta) / sqrt(n)} where {@code delta} is the node's split
 * threshold, taken as the spread of its tasks around their mean. Like the confidence term, this slack
 * vanishes as the subtree is pulled, which keeps the regret sublinear. A subtree holding an unpulled arm
 * scores {@code -infinity}. At each node the descent goes to the child with the smaller value (ties to the
 * child holding the lower task); in the reached leaf it takes the arm with the smallest LCB. With one task
 * per leaf the leaf value is exactly that arm's LCB. Work per step: O(L * depth).
 */
public final class LcbTreeSelector implements TaskSelector {

    private final double c;
    private TaskTree tree;
    private int layers;
    private ArmStatistics arms;
    // Per node and layer (index node * layers + l): aggregated pulls, distance sums, unpulled arms below.
    private long[] nodePulls;
    private double[] nodeSums;
    private int[] nodeUnpulled;
    private int[] left;
    private int[] right;
    private int[] firstSlot;
    private double[] radius;
    private int[][] paths;
    private int step;

    /**
     * A selector with exploration constant c.
     *
     * @param explorationC c &gt;= 0 (spec default 2)
     */
    public LcbTreeSelector(double explorationC) {
        if (!(explorationC >= 0) || Double.isInfinite(explorationC)) {
            throw new IllegalArgumentException("exploration constant c must be finite and >= 0, got " + explorationC);
        }
        this.c = explorationC;
    }

    @Override
    public void startTask(TaskTree taskTree, int numLayers) {
        SelectorChecks.numLayers(numLayers);
        this.tree = taskTree;
        this.layers = numLayers;
        int n = taskTree.nodes().size();
        this.arms = new ArmStatistics(taskTree.numSlots(), numLayers);
        this.nodePulls = new long[n * numLayers];
        this.nodeSums = new double[n * numLayers];
        this.nodeUnpulled = new int[n * numLayers];
        this.left = new int[n];
        this.right = new int[n];
        this.firstSlot = new int[n];
        this.radius = new double[n];
        for (TreeNode node : taskTree.nodes()) {
            int id = node.id();
            left[id] = node.isLeaf() ? -1 : node.left().id();
            right[id] = node.isLeaf() ? -1 : node.right().id();
            firstSlot[id] = node.slot(0);
            radius[id] = node.isLeaf() ? 0.0 : Math.max(0.0, node.threshold());
            for (int l = 0; l < numLayers; l++) {
                nodeUnpulled[id * numLayers + l] = node.slotCount();
            }
        }
        this.paths = new int[taskTree.numSlots()][];
        for (int s = 0; s < paths.length; s++) {
            paths[s] = taskTree.pathTo(s);
        }
        this.step = 0;
    }

    @Override
    public void startEpoch(int stepsPerEpoch) {
        requireTask();
        SelectorChecks.stepsPerEpoch(stepsPerEpoch);
        // The paper's t counts steps within the task, so epochs change nothing here.
    }

    @Override
    public int[] select() {
        requireTask();
        step++;
        double sqrtLnT = Math.sqrt(Math.log(step));
        int[] chosen = new int[layers];
        for (int l = 0; l < layers; l++) {
            int node = 0;
            while (left[node] >= 0) {
                int a = left[node];
                int b = right[node];
                double va = nodeValue(a, l, sqrtLnT);
                double vb = nodeValue(b, l, sqrtLnT);
                node = (vb < va || (vb == va && firstSlot[b] < firstSlot[a])) ? b : a;
            }
            chosen[l] = bestArmInLeaf(tree.nodes().get(node), l, sqrtLnT);
        }
        return chosen;
    }

    @Override
    public void observe(int[] armsPerLayer, double[] distances) {
        requireTask();
        arms.checkObservation(armsPerLayer, distances);
        for (int l = 0; l < layers; l++) {
            int arm = armsPerLayer[l];
            boolean first = arms.record(arm, l, distances[l]);
            for (int node : paths[arm]) {
                int i = node * layers + l;
                nodePulls[i]++;
                nodeSums[i] += distances[l];
                if (first) {
                    nodeUnpulled[i]--;
                }
            }
        }
    }

    /**
     * The lower confidence bound of one arm at the current step (for inspection and tests).
     *
     * @param arm memory slot
     * @param layer adapted layer
     * @return {@code mu - c * sqrt(ln t / n)}, or -infinity if never pulled
     */
    public double lcb(int arm, int layer) {
        requireTask();
        return armLcb(arm, layer, Math.sqrt(Math.log(Math.max(step, 1))));
    }

    @Override
    public SelectorState state() {
        requireTask();
        return new SelectorState(arms.pullsMatrix(), arms.sumsMatrix(), step, 0, 0L);
    }

    @Override
    public void restore(SelectorState state) {
        requireTask();
        arms.load(state);
        // Node aggregates are derived from the arm statistics and the tree.
        java.util.Arrays.fill(nodePulls, 0);
        java.util.Arrays.fill(nodeSums, 0);
        for (TreeNode node : tree.nodes()) {
            for (int l = 0; l < layers; l++) {
                nodeUnpulled[node.id() * layers + l] = node.slotCount();
            }
        }
        for (int arm = 0; arm < arms.arms; arm++) {
            for (int l = 0; l < layers; l++) {
                int a = arms.index(arm, l);
                for (int node : paths[arm]) {
                    int i = node * layers + l;
                    nodePulls[i] += arms.pulls[a];
                    nodeSums[i] += arms.sums[a];
                    if (arms.pulls[a] > 0) {
                        nodeUnpulled[i]--;
                    }
                }
            }
        }
        step = state.step();
    }

    @Override
    public SelectorPolicy policy() {
        return SelectorPolicy.PAPER;
    }

    private double nodeValue(int node, int l, double sqrtLnT) {
        int i = node * layers + l;
        if (nodeUnpulled[i] > 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (left[node] < 0) {
            return leafValue(tree.nodes().get(node), l, sqrtLnT);
        }
        double n = nodePulls[i];
        return nodeSums[i] / n - (c * sqrtLnT + radius[node]) / Math.sqrt(n);
    }

    private double leafValue(TreeNode leaf, int l, double sqrtLnT) {
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < leaf.slotCount(); j++) {
            best = Math.min(best, armLcb(leaf.slot(j), l, sqrtLnT));
        }
        return best;
    }

    private int bestArmInLeaf(TreeNode leaf, int l, double sqrtLnT) {
        int best = leaf.slot(0);
        double bestValue = armLcb(best, l, sqrtLnT);
        for (int j = 1; j < leaf.slotCount(); j++) {
            int arm = leaf.slot(j);
            double v = armLcb(arm, l, sqrtLnT);
            if (v < bestValue) {
                best = arm;
                bestValue = v;
            }
        }
        return best;
    }

    private double armLcb(int arm, int l, double sqrtLnT) {
        int i = arms.index(arm, l);
        long n = arms.pulls[i];
        if (n == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        return arms.sums[i] / n - c * sqrtLnT / Math.sqrt(n);
    }

    private void requireTask() {
        SelectorChecks.started(tree);
    }
}
