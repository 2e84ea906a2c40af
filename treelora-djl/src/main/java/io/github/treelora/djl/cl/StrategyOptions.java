package io.github.treelora.djl.cl;

import io.github.treelora.djl.lora.LoraConfig;
import java.util.Objects;

/**
 * The settings {@link StrategyRegistry} creates a built-in strategy with: the adapters, a seed, and the few
 * per-method settings the command line and the tests vary. Each strategy reads what concerns it and ignores the
 * rest. Immutable; build with {@link #builder(LoraConfig)}.
 *
 * @param lora adapter targets, rank, alpha and variant, shared by every strategy
 * @param seed seed of TreeLoRA's stochastic selectors (REFERENCE, random)
 * @param treeLoraLambda TreeLoRA's regulariser strength (the {@code -lambda0} ablation ignores it)
 * @param treeLoraDepth TreeLoRA's tree depth limit
 * @param infLoraThreshold InfLoRA's energy threshold
 * @param infLoraBatches batches whose inputs InfLoRA collects
 */
public record StrategyOptions(LoraConfig lora, long seed, double treeLoraLambda, int treeLoraDepth,
        double infLoraThreshold, int infLoraBatches) {

    /** TreeLoRA's default lambda (the paper's ViT value, also the core's default). */
    public static final double DEFAULT_TREELORA_LAMBDA = 0.1;

    /**
     * Validates.
     *
     * @param lora non-null
     * @param seed any
     * @param treeLoraLambda finite, &gt;= 0
     * @param treeLoraDepth &gt;= 0
     * @param infLoraThreshold in (0, 1]
     * @param infLoraBatches &gt;= 1
     */
    public StrategyOptions {
        Objects.requireNonNull(lora, "lora");
        if (!(treeLoraLambda >= 0) || Double.isInfinite(treeLoraLambda)) {
            throw new IllegalArgumentException("treeLoraLambda must be finite and >= 0, got " + treeLoraLambda);
        }
        if (treeLoraDepth < 0) {
            throw new IllegalArgumentException("treeLoraDepth must be >= 0, got " + treeLoraDepth);
        }
        if (!(infLoraThreshold > 0 && infLoraThreshold <= 1)) {
            throw new IllegalArgumentException("infLoraThreshold must be in (0, 1], got " + infLoraThreshold);
        }
        if (infLoraBatches < 1) {
            throw new IllegalArgumentException("infLoraBatches must be >= 1, got " + infLoraBatches);
        }
    }

    /**
     * A builder with the library defaults: seed 0, TreeLoRA lambda 0.1 without depth limit, InfLoRA's
     * {@link InfLora#DEFAULT_THRESHOLD} and {@link InfLora#DEFAULT_REPRESENTATION_BATCHES}.
     *
     * @param lora the adapters
     * @return a builder
     */
    public static Builder builder(LoraConfig lora) {
        return new Builder(lora);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final LoraConfig lora;
        private long seed;
        private double treeLoraLambda = DEFAULT_TREELORA_LAMBDA;
        private int treeLoraDepth = Integer.MAX_VALUE;
        private double infLoraThreshold = InfLora.DEFAULT_THRESHOLD;
        private int infLoraBatches = InfLora.DEFAULT_REPRESENTATION_BATCHES;

        private Builder(LoraConfig lora) {
            this.lora = lora;
        }

        /**
         * @param v seed of TreeLoRA's stochastic selectors
         * @return this builder
         */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /**
         * @param v TreeLoRA's lambda, finite and &gt;= 0
         * @return this builder
         */
        public Builder treeLoraLambda(double v) {
            treeLoraLambda = v;
            return this;
        }

        /**
         * @param v TreeLoRA's tree depth limit, &gt;= 0
         * @return this builder
         */
        public Builder treeLoraDepth(int v) {
            treeLoraDepth = v;
            return this;
        }

        /**
         * @param threshold InfLoRA's energy threshold, in (0, 1]
         * @param batches batches whose inputs InfLoRA collects, &gt;= 1
         * @return this builder
         */
        public Builder infLora(double threshold, int batches) {
            infLoraThreshold = threshold;
            infLoraBatches = batches;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         */
        public StrategyOptions build() {
            return new StrategyOptions(lora, seed, treeLoraLambda, treeLoraDepth, infLoraThreshold, infLoraBatches);
        }
    }
}
