package io.github.treelora.djl.cl;

import io.github.treelora.Preset;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.bandit.SelectorPolicy;
import io.github.treelora.djl.lora.LoraInjector;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The built-in strategies by {@link ContinualStrategy#id()}: the one table the command-line tools, the tests and
 * user code create strategies from. Ids are matched case-insensitively; an unknown id is refused with the closest
 * known ones.
 * <pre>{@code
 * ContinualStrategy s = StrategyRegistry.create("olora", StrategyOptions.builder(lora).seed(1).build());
 * }</pre>
 * A strategy created from an entry has that entry's id, except that a TreeLoRA entry given lambda 0 becomes the
 * {@code -lambda0} ablation (its id says so). docs/architecture.md ("How to add a strategy") explains how to add
 * one.
 */
public final class StrategyRegistry {

    /**
     * One strategy the registry can create.
     *
     * @param id the created strategy's {@link ContinualStrategy#id()}
     * @param description one line for help texts
     * @param factory creates a fresh instance
     */
    public record Entry(String id, String description, Function<StrategyOptions, ContinualStrategy> factory) {

        /**
         * Validates.
         *
         * @param id lower-case letters, digits and {@code -}
         * @param description non-null
         * @param factory non-null
         */
        public Entry {
            Objects.requireNonNull(id, "id");
            if (!id.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
                throw new IllegalArgumentException("strategy id must be lower-case letters and digits separated by "
                        + "'-', got '" + id + "'");
            }
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(factory, "factory");
        }

        /**
         * A fresh strategy.
         *
         * @param options the settings
         * @return the strategy
         */
        public ContinualStrategy create(StrategyOptions options) {
            return factory.apply(Objects.requireNonNull(options, "options"));
        }
    }

    private static final List<Entry> ENTRIES = List.of(
            new Entry(SeqLora.ID, "SeqLoRA: one adapter trained through all tasks, no protection (lower bound)",
                    o -> new SeqLora(o.lora())),
            new Entry(OLora.ID, "O-LoRA: an adapter per task, new A kept orthogonal to the old ones",
                    o -> new OLora(o.lora())),
            new Entry(InfLora.ID, "InfLoRA: an adapter per task, A fixed off the old tasks' input subspace",
                    o -> new InfLora(o.lora(), o.infLoraThreshold(), o.infLoraBatches())),
            new Entry("treelora", "TreeLoRA, PAPER preset: an adapter per task, tree-guided regulariser",
                    o -> new TreeLoraStrategy(o.lora(), treeLora(o, Preset.PAPER).build())),
            new Entry("treelora-reference", "TreeLoRA, REFERENCE preset: one shared adapter, tree-guided regulariser",
                    o -> new TreeLoraStrategy(o.lora(), treeLora(o, Preset.REFERENCE).build())),
            new Entry("treelora-reference-lambda0", "TreeLoRA REFERENCE without the regulariser (ablation)",
                    o -> new TreeLoraStrategy(o.lora(), treeLora(o, Preset.REFERENCE).lambda(0.0).build())),
            new Entry("treelora-reference-random", "TreeLoRA REFERENCE with random task selection (ablation)",
                    o -> new TreeLoraStrategy(o.lora(), treeLora(o, Preset.REFERENCE)
                            .selectorPolicy(SelectorPolicy.RANDOM).build())));

    private StrategyRegistry() {
    }

    /**
     * Every entry, in a fixed order.
     *
     * @return the entries
     */
    public static List<Entry> entries() {
        return ENTRIES;
    }

    /**
     * Every id, in the order of {@link #entries()}.
     *
     * @return ids
     */
    public static List<String> ids() {
        List<String> ids = new ArrayList<>();
        ENTRIES.forEach(e -> ids.add(e.id()));
        return List.copyOf(ids);
    }

    /**
     * The entry of an id.
     *
     * @param id an id, any case, surrounding blanks ignored
     * @return the entry, if known
     */
    public static Optional<Entry> find(String id) {
        String key = Objects.requireNonNull(id, "id").trim().toLowerCase(Locale.ROOT);
        return ENTRIES.stream().filter(e -> e.id().equals(key)).findFirst();
    }

    /**
     * The entry of an id, or an error naming the closest known ids.
     *
     * @param id an id, any case
     * @return the entry
     * @throws IllegalArgumentException if the id is unknown
     */
    public static Entry get(String id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException(unknown(id)));
    }

    /**
     * A fresh strategy.
     *
     * @param id an id, any case
     * @param options the settings
     * @return the strategy
     * @throws IllegalArgumentException if the id is unknown (the message names the closest known id)
     */
    public static ContinualStrategy create(String id, StrategyOptions options) {
        return get(id).create(options);
    }

    /**
     * The message for an unknown id.
     *
     * @param id the unknown id
     * @return e.g. {@code unknown strategy 'o-lora'; did you mean 'olora'? known: [...]}
     */
    public static String unknown(String id) {
        List<String> ids = ids();
        return "unknown strategy '" + id + "'; did you mean '" + LoraInjector.closest(String.valueOf(id).trim(), ids, 1)
                .get(0) + "'? known: " + ids;
    }

    private static TreeLoraConfig.Builder treeLora(StrategyOptions o, Preset preset) {
        return TreeLoraConfig.builder(preset).lambda(o.treeLoraLambda()).maxDepth(o.treeLoraDepth()).seed(o.seed());
    }
}
