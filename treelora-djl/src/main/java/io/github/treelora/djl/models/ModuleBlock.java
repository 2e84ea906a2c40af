package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Base class of the project's model blocks: a DJL block whose sub-modules carry Hugging Face local names.
 *
 * <p>Subclasses register sub-modules with {@link #addModule(String, Block)} in forward order and, in their
 * forward pass, always fetch them with {@link #module(String)}. A module swapped through
 * {@link #replaceModule(String, Block)} (for example a LoRA wrapper around a {@code Linear}) is therefore used
 * by the next forward pass, and DJL's own child list (used by initialization, {@code getParameters()} and
 * {@code freezeParameters}) is kept in step so the replacement's parameters are trained and frozen as usual.
 */
public abstract class ModuleBlock extends AbstractBlock implements ModuleContainer {

    private static final byte VERSION = 1;

    private final LinkedHashMap<String, Block> modules = new LinkedHashMap<>();

    /** Creates a block with no sub-modules yet. */
    protected ModuleBlock() {
        super(VERSION);
    }

    /**
     * Registers a sub-module under its Hugging Face local name; call in forward order.
     *
     * @param name the local name, for example {@code "query"} or {@code "0"}
     * @param block the sub-module
     * @param <B> the block type
     * @return {@code block}, for field-free construction chains
     */
    protected final <B extends Block> B addModule(String name, B block) {
        Objects.requireNonNull(block, "block");
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module name must be non-empty and contain no '.': " + name);
        }
        if (modules.containsKey(name)) {
            throw new IllegalArgumentException("duplicate module name '" + name + "' in " + getClass().getSimpleName());
        }
        addChildBlock(name, block);
        modules.put(name, block);
        return block;
    }

    /**
     * The current sub-module registered under {@code name} (the replacement, if one was installed).
     *
     * @param name a local module name
     * @return the module
     * @throws IllegalStateException if no such module exists (a programming error in the subclass)
     */
    protected final Block module(String name) {
        Block block = modules.get(name);
        if (block == null) {
            throw new IllegalStateException("no module '" + name + "' in " + getClass().getSimpleName());
        }
        return block;
    }

    /**
     * Runs the current sub-module {@code name} on {@code inputs}.
     *
     * @param name a local module name
     * @param parameterStore the parameter store of this forward pass
     * @param inputs the module's inputs
     * @param training whether this is a training pass
     * @param params extra forward parameters, passed through
     * @return the module's outputs
     */
    protected final NDList forwardModule(
            String name,
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return module(name).forward(parameterStore, inputs, training, params);
    }

    /**
     * Runs the current single-input, single-output sub-module {@code name} on one tensor.
     *
     * @param name a local module name
     * @param parameterStore the parameter store of this forward pass
     * @param x the module's input
     * @param training whether this is a training pass
     * @return the module's only output
     */
    protected final NDArray call(String name, ParameterStore parameterStore, NDArray x, boolean training) {
        return module(name).forward(parameterStore, new NDList(x), training).singletonOrThrow();
    }

    /**
     * Hook run by {@link #replaceModule(String, Block)} before anything changes: subclasses whose forward
     * pass calls a sub-module through a typed method (more than one input tensor) reject replacements of the
     * wrong type here. The default accepts any block.
     *
     * @param name the local name being replaced (an existing module)
     * @param replacement the proposed module
     * @throws IllegalArgumentException if the replacement cannot stand in for the module
     */
    protected void checkReplacement(String name, Block replacement) {
        // any single-input, single-output block may replace a module by default
    }

    /** {@inheritDoc} */
    @Override
    public Map<String, Block> namedModules() {
        return Collections.unmodifiableMap(modules);
    }

    /** {@inheritDoc} */
    @Override
    public void replaceModule(String name, Block replacement) {
        Objects.requireNonNull(replacement, "replacement");
        Block old = modules.get(name);
        if (old == null) {
            throw new IllegalArgumentException(
                    "no direct sub-module '" + name + "' in " + getClass().getSimpleName() + "; modules: "
                            + modules.keySet());
        }
        checkReplacement(name, replacement);
        int index = -1;
        for (int i = 0; i < children.size(); i++) {
            if (children.valueAt(i) == old) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            throw new IllegalStateException("module '" + name + "' is missing from the DJL child list");
        }
        String key = children.keyAt(index);
        children.remove(index);
        children.add(index, key, replacement);
        modules.put(name, replacement);
    }
}
