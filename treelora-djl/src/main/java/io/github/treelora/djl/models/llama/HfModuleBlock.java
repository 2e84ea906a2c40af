package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import io.github.treelora.djl.lora.ModuleContainer;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Base of the decoder's composite blocks: children live in an ordered name-to-block map (Hugging Face local
 * names) that forward passes consult on every call, so a child swapped through {@link #replaceModule} is
 * used from then on. DJL's own child list is kept in step so that {@code getParameters()} (and hence
 * optimizers) see the replacement's parameters.
 */
abstract class HfModuleBlock extends AbstractBlock implements ModuleContainer {

    private final LinkedHashMap<String, Block> modules = new LinkedHashMap<>();

    /** Registers a child under its Hugging Face local name. */
    protected final <B extends Block> B addModule(String name, B block) {
        if (modules.containsKey(name)) {
            throw new IllegalStateException("duplicate module " + name);
        }
        modules.put(name, block);
        addChildBlock(name, block);
        return block;
    }

    @Override
    public final Map<String, Block> namedModules() {
        return Collections.unmodifiableMap(modules);
    }

    @Override
    public final void replaceModule(String name, Block replacement) {
        Objects.requireNonNull(replacement, "replacement");
        if (!modules.containsKey(name)) {
            throw new IllegalArgumentException(
                    "no direct sub-module '" + name + "' in " + getClass().getSimpleName() + "; have "
                            + modules.keySet());
        }
        checkReplacement(name, replacement);
        int index = new ArrayList<>(modules.keySet()).indexOf(name);
        // DJL prefixes child names with their position; keep that key so parameter names stay stable.
        String djlKey = children.keyAt(index);
        children.remove(index);
        children.add(index, djlKey, replacement);
        modules.put(name, replacement); // same key: insertion order is kept
    }

    /**
     * Hook for children whose forward needs more than one tensor: subclasses reject replacements of the wrong
     * type here.
     *
     * @param name child name
     * @param replacement proposed block
     */
    protected void checkReplacement(String name, Block replacement) {
        // any single-input, single-output block may replace a leaf module by default
    }

    /** The current child named {@code name}. */
    protected final Block module(String name) {
        return modules.get(name);
    }

    /** Runs the current child {@code name} on one tensor. */
    protected final NDArray call(String name, ParameterStore ps, NDArray x, boolean training) {
        return modules.get(name).forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /** Initializes a child with a fixed input shape unless it already holds weights (which must survive). */
    protected static void initChild(Block child, NDManager manager, DataType dataType, Shape... inputShapes) {
        if (!child.isInitialized()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }

    /** The children names in forward order. */
    protected final List<String> names() {
        return List.copyOf(modules.keySet());
    }
}
