package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A stack of transformer layers under the module name {@code layer} (paths {@code layer.0}, {@code layer.1},
 * ...), as in Hugging Face's {@code ViTEncoder} and {@code BertEncoder}.
 *
 * <p>Inputs: {@code hidden [B, T, H]} and optionally an additive mask, which is handed to every layer. Each
 * layer takes {@code (hidden[, mask])} and returns {@code (hidden)}. Output: {@code (hidden)}.
 */
public final class Encoder extends ModuleBlock {

    /**
     * Creates the encoder.
     *
     * @param layers the layers, in order
     */
    public Encoder(List<? extends Block> layers) {
        addModule("layer", ModuleList.of(layers));
    }

    /**
     * Creates the encoder from a number of new layers.
     *
     * @param count how many layers
     * @param layer makes one new layer; called {@code count} times, in order
     */
    public Encoder(int count, Supplier<? extends Block> layer) {
        this(Stream.generate(layer).limit(count).toList());
    }

    /**
     * The layer list (module {@code layer}).
     *
     * @return the list
     */
    public ModuleList<Block> layers() {
        if (!(module("layer") instanceof ModuleList<?> list)) {
            throw new IllegalStateException("module 'layer' must stay a ModuleList; replace its elements instead");
        }
        @SuppressWarnings("unchecked") // every ModuleList holds Blocks
        ModuleList<Block> blocks = (ModuleList<Block>) list;
        return blocks;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray hidden = inputs.get(0);
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        ModuleList<Block> layers = layers();
        for (int i = 0; i < layers.size(); i++) {
            NDList in = mask == null ? new NDList(hidden) : new NDList(hidden, mask);
            hidden = layers.get(i).forward(parameterStore, in, training, params).get(0);
        }
        return new NDList(hidden);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("layer").initialize(manager, dataType, inputShapes[0]);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
