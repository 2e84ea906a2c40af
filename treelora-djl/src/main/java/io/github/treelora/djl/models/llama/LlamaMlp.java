package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.WideningLinear;

/**
 * SwiGLU feed-forward block {@code down_proj(silu(gate_proj(x)) * up_proj(x))} with sub-modules
 * {@code gate_proj}, {@code up_proj}, {@code down_proj} (DJL {@link Linear} blocks, weight {@code [out, in]}).
 */
public final class LlamaMlp extends ModuleBlock {

    private final int hiddenSize;
    private final int intermediateSize;

    /**
     * Creates the block.
     *
     * @param config model configuration
     */
    public LlamaMlp(LlamaConfig config) {
        hiddenSize = config.hiddenSize();
        intermediateSize = config.intermediateSize();
        boolean bias = config.mlpBias();
        addModule("gate_proj", WideningLinear.of(intermediateSize, bias));
        addModule("up_proj", WideningLinear.of(intermediateSize, bias));
        addModule("down_proj", WideningLinear.of(hiddenSize, bias));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray gate = call("gate_proj", ps, x, training);
        NDArray up = call("up_proj", ps, x, training);
        // silu(g) = g * sigmoid(g)
        NDArray act = gate.mul(Activation.sigmoid(gate));
        return new NDList(call("down_proj", ps, act.mul(up), training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("gate_proj").initialize(manager, dataType, new Shape(1, hiddenSize));
        module("up_proj").initialize(manager, dataType, new Shape(1, hiddenSize));
        module("down_proj").initialize(manager, dataType, new Shape(1, intermediateSize));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
