package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;

/**
 * Small tensor helpers shared by the model blocks, written around two DJL traps (see the project's notes):
 * Java {@code Number} scalars inside a recorded graph can be freed before backward reads them, and an op
 * called on a parameter puts its result (and everything computed from it) into the model's long-lived manager.
 */
public final class Ops {

    private Ops() {}

    /**
     * A 0-d array holding {@code value}, in the manager and data type of {@code like}; use it instead of a
     * Java number in any op that autograd may record.
     *
     * @param like the array whose manager and data type the scalar takes
     * @param value the value
     * @return a 0-d array
     */
    public static NDArray scalar(NDArray like, float value) {
        NDArray s = like.getManager().create(value);
        return s.getDataType() == like.getDataType() ? s : s.toType(like.getDataType(), false);
    }

    /**
     * A differentiable view of {@code parameter} whose result lives in {@code manager}: computed as
     * {@code zeros + parameter} on the manager's side, so the gradient still flows to the parameter while
     * downstream arrays belong to the per-step manager, not to the model's.
     *
     * @param parameter a parameter's array
     * @param manager the manager of the current step (usually the input's)
     * @return an array equal to {@code parameter}, owned by {@code manager}
     */
    public static NDArray inManager(NDArray parameter, NDManager manager) {
        return manager.zeros(parameter.getShape(), parameter.getDataType()).add(parameter);
    }

    /**
     * GELU in its exact form {@code x * Phi(x)} with the normal CDF through erf, as Hugging Face's
     * {@code "gelu"} activation (PyTorch's {@code gelu} with {@code approximate="none"}).
     *
     * @param x input
     * @return {@code gelu(x)}, in {@code x}'s manager
     */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }
}
