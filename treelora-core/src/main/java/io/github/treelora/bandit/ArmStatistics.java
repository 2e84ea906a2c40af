package io.github.treelora.bandit;

/**
 * Pull counts and summed observations per (arm, layer), in flat arrays indexed {@code arm * L + layer}.
 */
final class ArmStatistics {

    final int arms;
    final int layers;
    final long[] pulls;
    final double[] sums;

    ArmStatistics(int arms, int layers) {
        this.arms = arms;
        this.layers = layers;
        this.pulls = new long[arms * layers];
        this.sums = new double[arms * layers];
    }

    int index(int arm, int layer) {
        return arm * layers + layer;
    }

    /** Records one observation; returns true if it was the arm's first pull on that layer. */
    boolean record(int arm, int layer, double x) {
        int i = index(arm, layer);
        sums[i] += x;
        return pulls[i]++ == 0;
    }

    void reset() {
        java.util.Arrays.fill(pulls, 0);
        java.util.Arrays.fill(sums, 0);
    }

    long[][] pullsMatrix() {
        long[][] out = new long[arms][layers];
        for (int k = 0; k < arms; k++) {
            System.arraycopy(pulls, k * layers, out[k], 0, layers);
        }
        return out;
    }

    double[][] sumsMatrix() {
        double[][] out = new double[arms][layers];
        for (int k = 0; k < arms; k++) {
            System.arraycopy(sums, k * layers, out[k], 0, layers);
        }
        return out;
    }

    void load(SelectorState state) {
        if (state.pulls().length != arms || (arms > 0 && state.pulls()[0].length != layers)) {
            throw new IllegalArgumentException("saved bandit statistics are " + state.pulls().length + " x "
                    + (state.pulls().length == 0 ? 0 : state.pulls()[0].length) + ", expected " + arms + " x "
                    + layers + " (arms x layers)");
        }
        for (int k = 0; k < arms; k++) {
            System.arraycopy(state.pulls()[k], 0, pulls, k * layers, layers);
            System.arraycopy(state.sums()[k], 0, sums, k * layers, layers);
        }
    }

    void checkObservation(int[] armsPerLayer, double[] distances) {
        if (armsPerLayer.length != layers || distances.length != layers) {
            throw new IllegalArgumentException("expected one arm and one distance per layer (" + layers
                    + "), got " + armsPerLayer.length + " and " + distances.length);
        }
        for (int l = 0; l < layers; l++) {
            if (armsPerLayer[l] < 0 || armsPerLayer[l] >= arms) {
                throw new IllegalArgumentException("arm " + armsPerLayer[l] + " at layer " + l
                        + " is out of range [0, " + arms + ")");
            }
            if (!Double.isFinite(distances[l]) || distances[l] < 0) {
                throw new IllegalArgumentException("distance at layer " + l + " is " + distances[l]
                        + "; expected a finite non-negative L1 distance");
            }
        }
    }
}
