package io.github.treelora.djl.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

/**
 * A block that computes {@code y = x W^T + b} and exposes its parameters, so that LoRA can wrap it.
 *
 * <p>DJL's own {@link ai.djl.nn.core.Linear} is recognised without this interface (its parameters are
 * named {@code weight} and {@code bias}). Project blocks that implement a linear layer differently
 * implement this interface; the weight must have shape {@code [out, in]} and the bias {@code [out]}.
 * The block's forward must compute exactly {@code x W^T + b} on inputs of shape {@code [..., in]}.
 */
public interface LinearModule extends Block {

    /**
     * The weight, shape {@code [out, in]}.
     *
     * @return the weight parameter
     */
    Parameter getWeight();

    /**
     * The bias, shape {@code [out]}, or {@code null} when the layer has none.
     *
     * @return the bias parameter or {@code null}
     */
    Parameter getBias();
}
