package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A DJL {@link Linear} layer whose weight may be stored in a narrower type than its input (float16 weights,
 * float32 activations, see {@link WeightStorage}): the forward pass widens the weight to the input's type just
 * in time, computes {@code x W^T + b} in that type, and releases the widened copy at once (autograd keeps it
 * until backward when a gradient flows through the layer). With a weight of the input's type it computes
 * exactly what {@link Linear} computes. Being a {@link Linear}, it is found and wrapped by LoRA injection like
 * one.
 */
public class WideningLinear extends Linear {

    private final Parameter weightParameter;
    private final Parameter biasParameter;

    /**
     * Creates the layer.
     *
     * @param builder the units and bias of the layer
     */
    protected WideningLinear(Linear.Builder builder) {
        super(builder);
        weightParameter = getDirectParameters().get("weight");
        biasParameter = getDirectParameters().contains("bias") ? getDirectParameters().get("bias") : null;
    }

    /**
     * A layer of {@code units} outputs.
     *
     * @param units output features
     * @param bias whether the layer has a bias
     * @return the (uninitialized) layer
     */
    public static WideningLinear of(long units, boolean bias) {
        return new WideningLinear(Linear.builder().setUnits(units).optBias(bias));
    }

    /**
     * {@code value} in {@code like}'s element type: {@code value} itself when the types agree, else a widened copy
     * owned by {@code like}'s manager (the caller closes it).
     *
     * @param value a parameter's value
     * @param like the array whose type and manager the result takes
     * @return the array to compute with
     */
    public static NDArray inTypeOf(NDArray value, NDArray like) {
        if (value == null || value.getDataType() == like.getDataType()) {
            return value;
        }
        NDArray wide = value.toType(like.getDataType(), false);
        // An op's result belongs to the manager of the array it was called on: here the parameter's.
        wide.attach(like.getManager());
        return wide;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = ps.getValue(weightParameter, x.getDevice(), training);
        NDArray b = biasParameter == null ? null : ps.getValue(biasParameter, x.getDevice(), training);
        NDArray wx = inTypeOf(w, x);
        NDArray bx = inTypeOf(b, x);
        NDList out = bx == null ? linear(x, wx) : linear(x, wx, bx);
        if (wx != w) {
            wx.close();
        }
        if (bx != b) {
            bx.close();
        }
        return out;
    }
}
