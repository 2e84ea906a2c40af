package io.github.treelora.djl.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * An indexed list of modules named {@code "0"}, {@code "1"}, ..., like PyTorch's {@code nn.ModuleList}
 * (for example the {@code layer} list of an encoder, giving paths {@code encoder.layer.3.output.dense}).
 *
 * <p>Its forward pass chains the modules: each receives the previous module's output. Owners that need to
 * pass extra inputs to every element (an attention mask) iterate with {@link #get(int)} instead.
 */
public final class ModuleList extends ModuleBlock {

    private final int size;

    /**
     * Creates a list holding {@code blocks} in order.
     *
     * @param blocks the modules; named by their index
     */
    public ModuleList(List<? extends Block> blocks) {
        for (int i = 0; i < blocks.size(); i++) {
            addModule(Integer.toString(i), blocks.get(i));
        }
        this.size = blocks.size();
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
     */
    public Block get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("module index " + index + " outside [0, " + size + ")");
        }
        return module(Integer.toString(index));
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
