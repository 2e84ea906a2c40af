package io.github.treelora.djl.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Objects;

/**
 * An indexed list of modules named {@code "0"}, {@code "1"}, ..., like PyTorch's {@code nn.ModuleList}
 * (for example the {@code layer} list of an encoder, giving paths {@code encoder.layer.3.output.dense}, or a
 * decoder's {@code layers}).
 *
 * <p>Its forward pass chains the modules: each receives the previous module's output. Owners that need to
 * pass extra inputs to every element (an attention mask, rotary tables, a cache) iterate with
 * {@link #get(int)} instead. A list typed with an element class (for example decoder layers whose owner calls
 * a typed {@code forward}) only accepts replacements of that class.
 *
 * @param <B> the element type
 */
public final class ModuleList<B extends Block> extends ModuleBlock {

    private final Class<B> elementType;
    private final int size;

    /**
     * Creates a list holding {@code blocks} in order; replacements must be instances of {@code elementType}.
     *
     * @param elementType the class every element (and every replacement) must have
     * @param blocks the modules; named by their index
     * @throws IllegalArgumentException if a block is not an {@code elementType}
     */
    public ModuleList(Class<B> elementType, List<? extends B> blocks) {
        this.elementType = Objects.requireNonNull(elementType, "elementType");
        for (int i = 0; i < blocks.size(); i++) {
            checkElement(Integer.toString(i), blocks.get(i));
            addModule(Integer.toString(i), blocks.get(i));
        }
        this.size = blocks.size();
    }

    /**
     * A list of arbitrary blocks.
     *
     * @param blocks the modules; named by their index
     * @return the list
     */
    public static ModuleList<Block> of(List<? extends Block> blocks) {
        return new ModuleList<>(Block.class, blocks);
    }

    /**
     * The number of modules.
     *
     * @return the size
     */
    public int size() {
        return size;
    }

    /**
     * The current module at {@code index} (a replacement, if one was installed).
     *
     * @param index 0-based position
     * @return the module
     * @throws IndexOutOfBoundsException if {@code index} is outside {@code [0, size)}
     */
    public B get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("module index " + index + " outside [0, " + size + ")");
        }
        return elementType.cast(module(Integer.toString(index)));
    }

    /** {@inheritDoc} */
    @Override
    protected void checkReplacement(String name, Block replacement) {
        checkElement(name, replacement);
    }

    private void checkElement(String name, Block block) {
        if (!elementType.isInstance(block)) {
            throw new IllegalArgumentException("element " + name + " must be a " + elementType.getSimpleName()
                    + ", got " + (block == null ? "null" : block.getClass().getName()));
        }
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList current = inputs;
        for (int i = 0; i < size; i++) {
            current = get(i).forward(parameterStore, current, training, params);
        }
        return current;
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (int i = 0; i < size; i++) {
            get(i).initialize(manager, dataType, shapes);
            shapes = get(i).getOutputShapes(shapes);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (int i = 0; i < size; i++) {
            shapes = get(i).getOutputShapes(shapes);
        }
        return shapes;
    }
}
