package io.github.treelora.djl.cl;

import io.github.treelora.djl.lora.LoraConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the built-in strategies share: the adapter config every adapter they add uses, the run context that
 * {@link #attach} binds, and settings that start with that config.
 */
abstract class LoraStrategy implements ContinualStrategy {

    private final LoraConfig lora;
    private final String id;
    private final String name;
    private StrategyContext context;

    /**
     * A strategy with a fixed id and display name.
     *
     * @param lora adapter targets, rank and alpha, already validated by the strategy
     * @param id the {@link #id()}, or null when the subclass overrides {@link #id()}
     * @param name the {@link #name()}, or null when the subclass overrides {@link #name()}
     */
    LoraStrategy(LoraConfig lora, String id, String name) {
        this.lora = lora;
        this.id = id;
        this.name = name;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public final Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lora", lora.toString());
        putSettings(m);
        return m;
    }

    /**
     * Adds the strategy's own settings after {@code lora}; none by default.
     *
     * @param settings the settings so far, in report order
     */
    void putSettings(Map<String, Object> settings) {
    }

    @Override
    public void attach(StrategyContext context) {
        this.context = context;
    }

    /**
     * The adapter config.
     *
     * @return targets, rank and alpha of every adapter the strategy adds
     */
    final LoraConfig loraConfig() {
        return lora;
    }

    /**
     * The run context bound by {@link #attach}.
     *
     * @return the context, or null before attach
     */
    final StrategyContext context() {
        return context;
    }
}
