package io.github.treelora.examples.benchmark;

import io.github.treelora.djl.cl.ContinualStrategy;
import io.github.treelora.djl.cl.StrategyOptions;
import io.github.treelora.djl.cl.StrategyRegistry;
import io.github.treelora.djl.lora.LoraConfig;
import java.util.List;

/**
 * The strategies the benchmark jobs (split-mnist, split-fashion-mnist, split-wordnet) can run: the ids of
 * {@link StrategyRegistry}, created with the settings the jobs use: O-LoRA and InfLoRA with their library defaults,
 * TreeLoRA with the paper's ViT settings (lambda 0.1, tree depth 5).
 */
public final class Strategies {
    /** The four strategies the job runs by default, in that order. */
    public static final List<String> DEFAULTS = List.of("seqlora", "olora", "inflora", "treelora");

    /**
     * Every accepted name: {@link StrategyRegistry#ids()}, i.e. the defaults ({@code treelora} is the PAPER preset),
     * {@code treelora-reference}, and the paper's two ablations of it: {@code treelora-reference-lambda0} (no
     * regulariser) and {@code treelora-reference-random} (random task selection instead of the bandit).
     */
    public static final List<String> NAMES = StrategyRegistry.ids();

    /** TreeLoRA's lambda for ViT (the paper's value). */
    public static final double TREELORA_LAMBDA = StrategyOptions.DEFAULT_TREELORA_LAMBDA;

    /** TreeLoRA's tree depth for ViT (paper). */
    public static final int TREELORA_DEPTH = 5;

    private Strategies() {}

    /**
     * Creates a fresh strategy.
     *
     * @param name a member of {@link #NAMES} (case-insensitive)
     * @param lora the adapter settings shared by all strategies
     * @param seed seed of TreeLoRA's selector
     * @return the strategy
     * @throws IllegalArgumentException if the name is unknown (the message names the closest known one)
     */
    public static ContinualStrategy create(String name, LoraConfig lora, long seed) {
        return create(name, lora, seed, TREELORA_LAMBDA);
    }

    /**
     * Creates a fresh strategy with TreeLoRA's lambda given.
     *
     * @param name a member of {@link #NAMES} (case-insensitive)
     * @param lora the adapter settings shared by all strategies
     * @param seed seed of TreeLoRA's selector
     * @param treeLoraLambda TreeLoRA's regulariser strength (ignored by the other strategies)
     * @return the strategy
     * @throws IllegalArgumentException if the name is unknown (the message names the closest known one)
     */
    public static ContinualStrategy create(String name, LoraConfig lora, long seed, double treeLoraLambda) {
        return StrategyRegistry.create(name, StrategyOptions.builder(lora).seed(seed).treeLoraLambda(treeLoraLambda)
                .treeLoraDepth(TREELORA_DEPTH).build());
    }
}
