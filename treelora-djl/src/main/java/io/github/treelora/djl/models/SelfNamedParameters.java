package io.github.treelora.djl.models;

import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * A block that names its own parameters in a state dict: {@link StateDict#parameters} takes them from
 * {@link #stateDictParameters()} and does not walk into the block's children. A layer that wraps another (the LoRA
 * layer wrapping a {@code Linear}) implements it so that the wrapped weights keep the names they had before the
 * wrapping, and tells which of its parameters belong to the base model ({@link StateDict#baseParameters}).
 */
public interface SelfNamedParameters {

    /**
     * The block's parameters under state-dict names relative to its module path, in forward order.
     *
     * @return an ordered map
     */
    Map<String, Parameter> stateDictParameters();

    /**
     * Whether {@code parameter}, one of {@link #stateDictParameters()}, belongs to the base model rather than to
     * something added to it (an adapter).
     *
     * @param parameter one of this block's parameters
     * @return true for a base parameter
     */
    boolean isBaseParameter(Parameter parameter);
}
