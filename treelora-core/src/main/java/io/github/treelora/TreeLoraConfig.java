package io.github.treelora;

import io.github.treelora.bandit.SelectorPolicy;
import io.github.treelora.memory.StorageBudget;
import io.github.treelora.tree.SplitRule;
import io.github.treelora.update.LambdaSchedule;
import io.github.treelora.update.UpdateRule;
import java.util.Objects;

/**
 * Every choice of the TreeLoRA algorithm, immutable. Start from a preset and override:
 * <pre>{@code
 * TreeLoraConfig c = TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).maxDepth(5).seed(7).build();
 * }</pre>
 *
 * @param preset the preset the defaults came from (recorded for reports)
 * @param vectorSource what task vectors average
 * @param splitRule how tree nodes split
 * @param selectorPolicy how a previous task is picked per layer
 * @param updateRule the gradient term added to LoRA A
 * @param lambda regularisation strength schedule
 * @param maxDepth tree depth limit (capped at the number of adapted layers); the paper uses 5 for ViT
 * @param explorationC the LCB constant c (PAPER selector)
 * @param seed seed of the stochastic selector
 * @param budget storage budget of the task memory
 * @param referenceLayerFactor reproduce the published accumulator's spurious factor L on task vectors
 *     (REFERENCE only; off by default)
 */
public record TreeLoraConfig(Preset preset, TaskVectorSource vectorSource, SplitRule splitRule,
        SelectorPolicy selectorPolicy, UpdateRule updateRule, LambdaSchedule lambda, int maxDepth,
        double explorationC, long seed, StorageBudget budget, boolean referenceLayerFactor) {

    /**
     * Validates the configuration.
     *
     * @param preset non-null
     * @param vectorSource non-null
     * @param splitRule non-null
     * @param selectorPolicy non-null
     * @param updateRule non-null
     * @param lambda non-null
     * @param maxDepth at least 0
     * @param explorationC finite, at least 0
     * @param seed any
     * @param budget non-null
     * @param referenceLayerFactor any
     */
    public TreeLoraConfig {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(vectorSource, "vectorSource");
        Objects.requireNonNull(splitRule, "splitRule");
        Objects.requireNonNull(selectorPolicy, "selectorPolicy");
        Objects.requireNonNull(updateRule, "updateRule");
        Objects.requireNonNull(lambda, "lambda");
        Objects.requireNonNull(budget, "budget");
        if (maxDepth < 0) {
            throw new IllegalArgumentException("maxDepth must be >= 0, got " + maxDepth);
        }
        if (!(explorationC >= 0) || Double.isInfinite(explorationC)) {
            throw new IllegalArgumentException("explorationC must be finite and >= 0, got " + explorationC);
        }
    }

    /**
     * The preset's configuration.
     *
     * @param preset PAPER or REFERENCE
     * @return the configuration with all defaults
     */
    public static TreeLoraConfig of(Preset preset) {
        return builder(preset).build();
    }

    /**
     * A builder holding the preset's defaults.
     *
     * @param preset PAPER or REFERENCE
     * @return a builder
     */
    public static Builder builder(Preset preset) {
        return new Builder(preset);
    }

    /**
     * A builder starting from this configuration.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(preset);
        b.vectorSource = vectorSource;
        b.splitRule = splitRule;
        b.selectorPolicy = selectorPolicy;
        b.updateRule = updateRule;
        b.lambda = lambda;
        b.maxDepth = maxDepth;
        b.explorationC = explorationC;
        b.seed = seed;
        b.budget = budget;
        b.referenceLayerFactor = referenceLayerFactor;
        return b;
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final Preset preset;
        private TaskVectorSource vectorSource;
        private SplitRule splitRule;
        private SelectorPolicy selectorPolicy;
        private UpdateRule updateRule;
        private LambdaSchedule lambda;
        private int maxDepth = Integer.MAX_VALUE;
        private double explorationC = 2.0;
        private long seed = 0L;
        private StorageBudget budget = StorageBudget.UNLIMITED;
        private boolean referenceLayerFactor;

        private Builder(Preset preset) {
            this.preset = Objects.requireNonNull(preset, "preset");
            boolean paper = preset == Preset.PAPER;
            vectorSource = paper ? TaskVectorSource.GRADIENTS : TaskVectorSource.VALUES_LAST_EPOCH;
            splitRule = paper ? SplitRule.PAPER : SplitRule.REFERENCE;
            selectorPolicy = paper ? SelectorPolicy.PAPER : SelectorPolicy.REFERENCE;
            updateRule = paper ? UpdateRule.PAPER : UpdateRule.REFERENCE;
            lambda = paper ? LambdaSchedule.constant(0.1) : LambdaSchedule.linearRampPerEpoch(0.1);
        }

        /**
         * @param v what task vectors average
         * @return this
         */
        public Builder vectorSource(TaskVectorSource v) {
            this.vectorSource = v;
            return this;
        }

        /**
         * @param v split rule
         * @return this
         */
        public Builder splitRule(SplitRule v) {
            this.splitRule = v;
            return this;
        }

        /**
         * @param v selector policy
         * @return this
         */
        public Builder selectorPolicy(SelectorPolicy v) {
            this.selectorPolicy = v;
            return this;
        }

        /**
         * @param v update rule
         * @return this
         */
        public Builder updateRule(UpdateRule v) {
            this.updateRule = v;
            return this;
        }

        /**
         * Sets the strength, keeping whether it ramps.
         *
         * @param v lambda
         * @return this
         */
        public Builder lambda(double v) {
            this.lambda = new LambdaSchedule(v, lambda.rampPerEpoch());
            return this;
        }

        /**
         * @param v lambda schedule
         * @return this
         */
        public Builder lambdaSchedule(LambdaSchedule v) {
            this.lambda = v;
            return this;
        }

        /**
         * @param v depth limit
         * @return this
         */
        public Builder maxDepth(int v) {
            this.maxDepth = v;
            return this;
        }

        /**
         * @param v LCB constant c
         * @return this
         */
        public Builder explorationC(double v) {
            this.explorationC = v;
            return this;
        }

        /**
         * @param v seed
         * @return this
         */
        public Builder seed(long v) {
            this.seed = v;
            return this;
        }

        /**
         * @param v storage budget
         * @return this
         */
        public Builder budget(StorageBudget v) {
            this.budget = v;
            return this;
        }

        /**
         * @param v reproduce the published factor L
         * @return this
         */
        public Builder referenceLayerFactor(boolean v) {
            this.referenceLayerFactor = v;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the configuration
         */
        public TreeLoraConfig build() {
            return new TreeLoraConfig(preset, vectorSource, splitRule, selectorPolicy, updateRule, lambda,
                    maxDepth, explorationC, seed, budget, referenceLayerFactor);
        }
    }
}
