package io.github.treelora.djl.models;

import ai.djl.nn.Block;
import java.util.List;
import java.util.Map;

/**
 * A block whose sub-modules are addressed by Hugging Face style names and can be replaced by name.
 *
 * <p>The project's own model blocks implement this so that LoRA injection is a public, reflection-free
 * operation: the injector walks {@link #namedModules()} recursively, building dotted module paths such as
 * {@code encoder.layer.0.attention.attention.query}, and swaps a matched linear layer through
 * {@link #replaceModule(String, Block)}. Those paths are the public interface: they are the
 * {@code target_modules} users write and the keys of PEFT adapter files.
 */
public interface ModuleContainer {

    /**
     * The direct sub-modules in forward (input-to-output) order, keyed by their local name
     * (for example {@code "query"}, {@code "0"} for the first layer of a list, {@code "q_proj"}).
     *
     * @return an ordered, unmodifiable view; iteration order is the forward order
     */
    Map<String, Block> namedModules();

    /**
     * Replaces the direct sub-module {@code name} by {@code replacement}; the forward pass uses the
     * replacement from then on.
     *
     * @param name a key of {@link #namedModules()}
     * @param replacement the new module; it must accept the same input and produce the same output shape
     * @throws IllegalArgumentException if {@code name} is not a direct sub-module
     */
    void replaceModule(String name, Block replacement);

    /**
     * Convenience for implementations: the names of {@link #namedModules()} in forward order.
     *
     * @return module names
     */
    default List<String> moduleNames() {
        return List.copyOf(namedModules().keySet());
    }
}
