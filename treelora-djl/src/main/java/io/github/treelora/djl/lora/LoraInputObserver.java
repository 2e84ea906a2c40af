package io.github.treelora.djl.lora;

import ai.djl.ndarray.NDArray;

/**
 * Sees the input of a {@link LoraLinear} at every forward pass, before the base layer and the adapters run
 * (and before adapter dropout). Used by methods that build adapters from input representations (InfLoRA,
 * GPM-style subspaces). Register with {@link LoraLinear#addInputObserver}
 * (several per layer; each registration is removed through its own handle).
 *
 * <p>The input belongs to the caller's (per-step) manager: an observer that keeps something must copy it into
 * its own manager, and it must not modify the input. Inside gradient recording, detach
 * ({@code stopGradient}) before computing with it.
 */
@FunctionalInterface
public interface LoraInputObserver {

    /**
     * Called with the layer's input.
     *
     * @param layer the layer
     * @param input its input, shape {@code [..., in]}
     * @param training whether the forward pass is a training pass
     */
    void onInput(LoraLinear layer, NDArray input, boolean training);
}
