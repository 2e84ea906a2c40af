package io.github.treelora.examples.splitmnist;

import io.github.treelora.djl.cl.ContinualStrategy;
import io.github.treelora.djl.cl.SeqLora;
import io.github.treelora.djl.lora.LoraConfig;
import java.util.List;
import java.util.Locale;

/** The strategies the Split-MNIST job can run, by command-line name. */
public final class Strategies {
    /** Command-line names, in the order the job runs them by default. */
    public static final List<String> NAMES = List.of("seqlora", "olora", "inflora", "treelora");

    private Strategies() {}

    /**
     * Creates a fresh strategy.
     *
     * @param name a member of {@link #NAMES} (case-insensitive)
     * @param lora the adapter settings shared by all strategies
     * @return the strategy
     * @throws IllegalArgumentException if the name is unknown (the message lists the known ones)
     */
    public static ContinualStrategy create(String name, LoraConfig lora) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "seqlora" -> new SeqLora(lora);
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "'; known: " + NAMES);
        };
    }
}
