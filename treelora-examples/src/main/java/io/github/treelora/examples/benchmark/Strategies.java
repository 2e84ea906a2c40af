package io.github.treelora.examples.benchmark;

import io.github.treelora.Preset;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.bandit.SelectorPolicy;
import io.github.treelora.djl.cl.ContinualStrategy;
import io.github.treelora.djl.cl.InfLora;
import io.github.treelora.djl.cl.OLora;
import io.github.treelora.djl.cl.SeqLora;
import io.github.treelora.djl.cl.TreeLoraStrategy;
import io.github.treelora.djl.lora.LoraConfig;
import java.util.List;
import java.util.Locale;

/**
 * The strategies the benchmark jobs (split-mnist, split-fashion-mnist, split-wordnet) can run, by command-line
 * name, with the settings the jobs use:
 * O-LoRA and InfLoRA with their library defaults, TreeLoRA with the paper's ViT settings (lambda 0.1,
 * tree depth 5).
 */
public final class Strategies {
    /** The four strategies the job runs by default, in that order. */
    public static final List<String> DEFAULTS = List.of("seqlora", "olora", "inflora", "treelora");

    /**
     * Every accepted name: the defaults ({@code treelora} is the PAPER preset), {@code treelora-reference}, and the
     * paper's two ablations of it: {@code treelora-reference-lambda0} (no regulariser) and
     * {@code treelora-reference-random} (random task selection instead of the bandit).
     */
    public static final List<String> NAMES = List.of("seqlora", "olora", "inflora", "treelora", "treelora-reference",
            "treelora-reference-lambda0", "treelora-reference-random");

    /** TreeLoRA's lambda for ViT (paper, section 3 of the spec). */
    public static final double TREELORA_LAMBDA = 0.1;

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
     * @throws IllegalArgumentException if the name is unknown (the message lists the known ones)
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
     * @throws IllegalArgumentException if the name is unknown (the message lists the known ones)
     */
    public static ContinualStrategy create(String name, LoraConfig lora, long seed, double treeLoraLambda) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "seqlora" -> new SeqLora(lora);
            case "olora" -> new OLora(lora);
            case "inflora" -> new InfLora(lora);
            case "treelora" -> new TreeLoraStrategy(lora, treeLora(Preset.PAPER, seed, treeLoraLambda));
            case "treelora-reference" -> new TreeLoraStrategy(lora, treeLora(Preset.REFERENCE, seed, treeLoraLambda));
            case "treelora-reference-lambda0" -> new TreeLoraStrategy(lora, treeLora(Preset.REFERENCE, seed, 0.0));
            case "treelora-reference-random" -> new TreeLoraStrategy(lora, TreeLoraConfig.builder(Preset.REFERENCE)
                    .lambda(treeLoraLambda).maxDepth(TREELORA_DEPTH).seed(seed).selectorPolicy(SelectorPolicy.RANDOM)
                    .build());
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "'; known: " + NAMES);
        };
    }

    private static TreeLoraConfig treeLora(Preset preset, long seed, double lambda) {
        return TreeLoraConfig.builder(preset).lambda(lambda).maxDepth(TREELORA_DEPTH).seed(seed).build();
    }
}
