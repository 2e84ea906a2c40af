package io.github.treelora.djl.cl;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.math.BigDecimal;

/**
 * Which optimizer the {@link ContinualTrainer} creates at every task start, with a constant learning rate
 * ({@link ContinualTrainerConfig#learningRate()}). Immutable and validated; each option's error names it.
 * <ul>
 * <li>{@link Adam} (the default, {@link #adam()}): betas 0.9 / 0.999, eps 1e-8, no weight decay;
 * <li>{@link AdamW}: Adam with decoupled weight decay ({@code w -= lr * weightDecay * w} besides the Adam step);
 * <li>{@link Sgd}: plain SGD, optionally with (heavy-ball) momentum.
 * </ul>
 * The updates are DJL's ({@code ai.djl.training.optimizer}); {@code OptimizerSpecTest} checks each against the
 * update computed by hand. Set one with {@link ContinualTrainerConfig.Builder#optimizer}.
 */
public sealed interface OptimizerSpec permits OptimizerSpec.Adam, OptimizerSpec.AdamW, OptimizerSpec.Sgd {

    /**
     * A fresh optimizer (fresh moments) with a constant learning rate.
     *
     * @param learningRate finite, &gt; 0
     * @return the optimizer
     */
    Optimizer create(double learningRate);

    /**
     * One line for reports, e.g. {@code Adam(0.9, 0.999, eps 1e-8)}.
     *
     * @return description
     */
    String describe();

    /**
     * Adam with DJL's defaults, the trainer's default.
     *
     * @return betas 0.9 / 0.999, eps 1e-8
     */
    static Adam adam() {
        return new Adam(0.9, 0.999, 1e-8);
    }

    /**
     * AdamW with Adam's default betas and eps.
     *
     * @param weightDecay decoupled weight decay, finite, &gt;= 0
     * @return the spec
     */
    static AdamW adamW(double weightDecay) {
        return new AdamW(0.9, 0.999, 1e-8, weightDecay);
    }

    /**
     * SGD.
     *
     * @param momentum momentum in [0, 1); 0 for plain SGD
     * @return the spec
     */
    static Sgd sgd(double momentum) {
        return new Sgd(momentum);
    }

    /**
     * Adam: {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
     * {@code w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)}: the bias corrections fold into the step
     * size and eps guards sqrt(v) itself (PyTorch adds eps to the bias-corrected sqrt(v); the same to float
     * precision at eps 1e-8).
     *
     * @param beta1 first-moment decay, in [0, 1)
     * @param beta2 second-moment decay, in [0, 1)
     * @param epsilon denominator guard, finite, &gt; 0
     */
    record Adam(double beta1, double beta2, double epsilon) implements OptimizerSpec {

        /** Validates. */
        public Adam {
            checkBetasAndEpsilon("Adam", beta1, beta2, epsilon);
        }

        @Override
        public Optimizer create(double learningRate) {
            ContinualTrainerConfig.checkLearningRate(learningRate);
            return Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) learningRate))
                    .optBeta1((float) beta1).optBeta2((float) beta2).optEpsilon((float) epsilon).build();
        }

        @Override
        public String describe() {
            return "Adam(" + number(beta1) + ", " + number(beta2) + ", eps " + number(epsilon) + ")";
        }
    }

    /**
     * AdamW: the Adam step plus decoupled weight decay, {@code w -= lr * weightDecay * w}, not added to the gradient
     * (so it does not pass through the moments).
     *
     * @param beta1 first-moment decay, in [0, 1)
     * @param beta2 second-moment decay, in [0, 1)
     * @param epsilon denominator guard, finite, &gt; 0
     * @param weightDecay decoupled weight decay, finite, &gt;= 0
     */
    record AdamW(double beta1, double beta2, double epsilon, double weightDecay) implements OptimizerSpec {

        /** Validates. */
        public AdamW {
            checkBetasAndEpsilon("AdamW", beta1, beta2, epsilon);
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("AdamW weightDecay must be finite and >= 0, got " + weightDecay);
            }
        }

        @Override
        public Optimizer create(double learningRate) {
            ContinualTrainerConfig.checkLearningRate(learningRate);
            return ai.djl.training.optimizer.AdamW.builder()
                    .optLearningRateTracker(Tracker.fixed((float) learningRate)).optBeta1((float) beta1)
                    .optBeta2((float) beta2).optEpsilon((float) epsilon).optWeightDecays((float) weightDecay).build();
        }

        @Override
        public String describe() {
            return "AdamW(" + number(beta1) + ", " + number(beta2) + ", eps " + number(epsilon) + ", weight decay "
                    + number(weightDecay) + ")";
        }
    }

    /**
     * SGD: {@code w -= lr * g}; with momentum {@code u = momentum * u + g}, {@code w -= lr * u}.
     *
     * @param momentum in [0, 1); 0 for plain SGD
     */
    record Sgd(double momentum) implements OptimizerSpec {

        /** Validates. */
        public Sgd {
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
            }
        }

        @Override
        public Optimizer create(double learningRate) {
            ContinualTrainerConfig.checkLearningRate(learningRate);
            return Optimizer.sgd().setLearningRateTracker(Tracker.fixed((float) learningRate))
                    .optMomentum((float) momentum).build();
        }

        @Override
        public String describe() {
            return momentum == 0 ? "SGD" : "SGD(momentum " + number(momentum) + ")";
        }
    }

    private static void checkBetasAndEpsilon(String name, double beta1, double beta2, double epsilon) {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException(name + " beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(name + " beta2 must be in [0, 1), got " + beta2);
        }
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException(name + " epsilon must be finite and > 0, got " + epsilon);
        }
    }

    /** Shortest decimal form: 0.9, 1e-8. */
    private static String number(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toString().replace("E", "e");
    }
}
