package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Each optimizer of {@link OptimizerSpec} against its update written out by hand (the algorithms' textbook
 * formulas, computed in double) on a three-number parameter over three steps, one of them with a zero gradient
 * entry; and bad options refused with a message naming the option.
 */
class OptimizerSpecTest {

    private static final float[] W0 = {0.5f, -1.0f, 2.0f};
    private static final float[][] GRADS = {{0.1f, -0.2f, 0.3f}, {-0.05f, 0.4f, 0.0f}, {0.2f, 0.1f, -0.3f}};
    private static final double LR = 0.1;

    /** Runs the spec's optimizer over {@link #GRADS}; returns the weights after each step. */
    private static float[][] djl(OptimizerSpec spec) {
        float[][] out = new float[GRADS.length][];
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Optimizer opt = spec.create(LR);
            NDArray w = m.create(W0);
            for (int t = 0; t < GRADS.length; t++) {
                opt.update("w", w, m.create(GRADS[t]));
                out[t] = w.toFloatArray();
            }
        }
        return out;
    }

    /**
     * Adam (and AdamW with weightDecay &gt; 0) in the form of the Adam paper's efficient version (section 2, last
     * paragraph): the bias corrections fold into the step size and eps is added to sqrt(v) itself,
     * {@code w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)}; decay decoupled from the gradient. (PyTorch adds
     * eps to the bias-corrected sqrt(v) instead; with eps 1e-8 the two agree to float precision, with eps 1e-3 they
     * differ in the third decimal.)
     */
    private static double[][] adamByHand(double b1, double b2, double eps, double weightDecay) {
        double[] w = widen(W0);
        double[] mean = new double[w.length];
        double[] var = new double[w.length];
        double[][] out = new double[GRADS.length][];
        for (int t = 1; t <= GRADS.length; t++) {
            float[] g = GRADS[t - 1];
            for (int i = 0; i < w.length; i++) {
                mean[i] = b1 * mean[i] + (1 - b1) * g[i];
                var[i] = b2 * var[i] + (1 - b2) * g[i] * g[i];
                double stepSize = LR * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
                w[i] = w[i] - LR * weightDecay * w[i] - stepSize * mean[i] / (Math.sqrt(var[i]) + eps);
            }
            out[t - 1] = w.clone();
        }
        return out;
    }

    /** SGD with heavy-ball momentum: u = momentum u + g, w -= lr u. */
    private static double[][] sgdByHand(double momentum) {
        double[] w = widen(W0);
        double[] u = new double[w.length];
        double[][] out = new double[GRADS.length][];
        for (int t = 0; t < GRADS.length; t++) {
            for (int i = 0; i < w.length; i++) {
                u[i] = momentum * u[i] + GRADS[t][i];
                w[i] -= LR * u[i];
            }
            out[t] = w.clone();
        }
        return out;
    }

    private static void assertSteps(double[][] expected, float[][] actual, String what) {
        for (int t = 0; t < expected.length; t++) {
            for (int i = 0; i < expected[t].length; i++) {
                assertEquals(expected[t][i], actual[t][i], 2e-6, what + " after step " + (t + 1) + ", entry " + i);
            }
        }
    }

    @Test
    void adamIsTheDefaultAndMatchesTheHandUpdate() {
        ContinualTrainerConfig config = ContinualTrainerConfig.builder().build();
        assertEquals(new OptimizerSpec.Adam(0.9, 0.999, 1e-8), config.optimizer());
        assertEquals("Adam(0.9, 0.999, eps 1e-8), re-created at every task start", config.toMap().get("optimizer"));
        double[][] byHand = adamByHand(0.9, 0.999, 1e-8, 0);
        // First step of Adam: each entry moves by lr against the sign of its gradient.
        assertEquals(0.5 - LR, byHand[0][0], 1e-6);
        assertSteps(byHand, djl(OptimizerSpec.adam()), "Adam");
        assertSteps(adamByHand(0.5, 0.9, 1e-3, 0), djl(new OptimizerSpec.Adam(0.5, 0.9, 1e-3)), "Adam(0.5, 0.9)");
    }

    @Test
    void adamWDecaysTheWeightsOutsideTheMoments() {
        double[][] byHand = adamByHand(0.9, 0.999, 1e-8, 0.5);
        // Step 1, entry 0: 0.5 - 0.1 * 0.5 * 0.5 - 0.1 (the Adam step) = 0.375.
        assertEquals(0.375, byHand[0][0], 1e-6);
        assertSteps(byHand, djl(OptimizerSpec.adamW(0.5)), "AdamW");
        assertSteps(adamByHand(0.9, 0.999, 1e-8, 0), djl(OptimizerSpec.adamW(0)), "AdamW without decay is Adam");
        assertEquals("AdamW(0.9, 0.999, eps 1e-8, weight decay 0.5), re-created at every task start",
                ContinualTrainerConfig.builder().optimizer(OptimizerSpec.adamW(0.5)).build().toMap().get("optimizer"));
    }

    @Test
    void sgdWithAndWithoutMomentum() {
        double[][] plain = sgdByHand(0);
        // Plain SGD, step 1: w - lr g.
        assertArrayEquals(new double[] {0.49, -0.98, 1.97}, plain[0], 1e-7);
        assertSteps(plain, djl(OptimizerSpec.sgd(0)), "SGD");
        assertSteps(sgdByHand(0.9), djl(OptimizerSpec.sgd(0.9)), "SGD momentum 0.9");
        assertEquals("SGD(momentum 0.9)", OptimizerSpec.sgd(0.9).describe());
    }

    @Test
    void badOptionsAreRefusedByName() {
        assertMessage(() -> ContinualTrainerConfig.builder().learningRate(-1e-3).build(), "learningRate");
        assertMessage(() -> ContinualTrainerConfig.builder().learningRate(Double.NaN).build(), "learningRate");
        assertMessage(() -> OptimizerSpec.adam().create(0), "learningRate");
        assertMessage(() -> new OptimizerSpec.Adam(1.0, 0.999, 1e-8), "Adam beta1");
        assertMessage(() -> new OptimizerSpec.Adam(0.9, -0.1, 1e-8), "Adam beta2");
        assertMessage(() -> new OptimizerSpec.Adam(0.9, 0.999, 0), "Adam epsilon");
        assertMessage(() -> OptimizerSpec.adamW(-0.01), "AdamW weightDecay");
        assertMessage(() -> OptimizerSpec.adamW(Double.POSITIVE_INFINITY), "AdamW weightDecay");
        assertMessage(() -> OptimizerSpec.sgd(1.0), "SGD momentum");
        assertMessage(() -> OptimizerSpec.sgd(-0.5), "SGD momentum");
        assertThrows(NullPointerException.class, () -> ContinualTrainerConfig.builder().optimizer(null).build());
    }

    private static void assertMessage(Executable bad, String option) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
        assertTrue(e.getMessage().contains(option), e.getMessage());
    }

    private static double[] widen(float[] v) {
        return IntStream.range(0, v.length).mapToDouble(i -> v[i]).toArray();
    }
}
