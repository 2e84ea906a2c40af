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
 * Gated feed-forward block {@code down_proj(act(gate_proj(x)) * up_proj(x))}, with SiLU (SwiGLU: LLaMA, Qwen2,
 * Mistral) or the tanh approximation of GELU (GeGLU: Gemma) as {@code act}, and sub-modules
 * {@code gate_proj}, {@code up_proj}, {@code down_proj} (DJL {@link Linear} blocks, weight {@code [out, in]}).
 */
public final class LlamaMlp extends ModuleBlock {

    private final int hiddenSize;
    private final int intermediateSize;
    private final boolean gelu;

    /**
     * Creates the block.
     *
     * @param config model configuration
     */
    public LlamaMlp(LlamaConfig config) {
        hiddenSize = config.hiddenSize();
        intermediateSize = config.intermediateSize();
        gelu = config.hiddenAct().equals("gelu_pytorch_tanh");
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
        NDArray act = gelu ? geluTanh(gate) : gate.mul(Activation.sigmoid(gate)); // silu(g) = g * sigmoid(g)
        return new NDList(call("down_proj", ps, act.mul(up), training));
    }

    /** {@code 0.5 g (1 + tanh(sqrt(2 / pi) (g + 0.044715 g^3)))}, PyTorch's {@code gelu(approximate="tanh")}. */
    private static NDArray geluTanh(NDArray g) {
        NDManager m = g.getManager();
        // Constants as engine-owned arrays (NDManager.full): autograd keeps them for backward, after a Java Number
        // operand or a wrapped Java buffer may already be freed.
        Shape scalar = new Shape();
        NDArray inner = g.add(g.mul(g).mul(g).mul(m.full(scalar, 0.044715f)))
                .mul(m.full(scalar, (float) Math.sqrt(2 / Math.PI)));
        return g.mul(m.full(scalar, 0.5f)).mul(inner.tanh().add(m.full(scalar, 1f)));
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
