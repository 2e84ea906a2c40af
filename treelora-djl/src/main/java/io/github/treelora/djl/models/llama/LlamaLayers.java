package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** The list of decoder layers ({@code model.layers}), sub-modules named {@code "0"}, {@code "1"}, .... */
public final class LlamaLayers extends HfModuleBlock {

    /**
     * Creates {@code config.numHiddenLayers()} layers.
     *
     * @param config model configuration
     * @param rope rotary tables shared by all layers
     */
    public LlamaLayers(LlamaConfig config, RotaryEmbedding rope) {
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            addModule(Integer.toString(i), new LlamaDecoderLayer(config, rope));
        }
    }

    /**
     * The current layer {@code i}.
     *
     * @param i layer index
     * @return the layer
     */
    public LlamaDecoderLayer layer(int i) {
        return (LlamaDecoderLayer) module(Integer.toString(i));
    }

    /**
     * Number of layers.
     *
     * @return layer count
     */
    public int size() {
        return namedModules().size();
    }

    @Override
    protected void checkReplacement(String name, Block replacement) {
        if (!(replacement instanceof LlamaDecoderLayer)) {
            throw new IllegalArgumentException("layer " + name + " can only be replaced by a LlamaDecoderLayer, got "
                    + replacement.getClass().getName());
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("LlamaLayers is run by LlamaModel");
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (String n : names()) {
            initChild(module(n), manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
