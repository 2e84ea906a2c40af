package io.github.treelora.djl.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an adapter computes, beyond its A and B (PEFT's {@code LoraVariant}): its own tensors, their initial
 * values, the forward contribution, and merging into and out of the base weight. {@link PlainLora} is the default,
 * {@link Dora} the second; a variant is stateless (one instance serves every adapter) and is chosen per adapter
 * through {@link AdapterSpec#variant()}.
 *
 * <p>Numerics rules for implementations (see {@link LoraLinear}): in {@link #forward}, create every array from the
 * input's manager (or call ops on input-derived arrays) and never pass Java numbers into a recorded graph; in
 * {@link #merge} and {@link #unmerge}, work on detached copies in the given temporary manager.
 */
public interface LoraVariant {

    /**
     * The variants this library ships, in the order they were added (a method, not a constant: a constant here would
     * be initialised while the implementations' own constants are not yet set).
     *
     * @return {@link PlainLora#INSTANCE} and {@link Dora#INSTANCE}
     */
    static List<LoraVariant> builtIn() {
        return List.of(PlainLora.INSTANCE, Dora.INSTANCE);
    }

    /**
     * A built-in variant by {@link #id()}.
     *
     * @param id e.g. {@code "dora"}
     * @return the variant, or empty for an unknown id
     */
    static Optional<LoraVariant> byId(String id) {
        return builtIn().stream().filter(v -> v.id().equals(id)).findFirst();
    }

    /**
     * A short stable id, written to the trainer's checkpoints and used in messages.
     *
     * @return e.g. {@code "lora"}, {@code "dora"}
     */
    String id();

    /**
     * The tensors this variant adds to A and B, by kind ({@link LoraTensorNames}: PEFT's attribute names), with
     * their shapes at a layer with weight {@code [out, in]}.
     *
     * @param out output features
     * @param in input features
     * @return kind to shape, in a fixed order; empty for plain LoRA
     */
    Map<String, long[]> extraTensorShapes(long out, long in);

    /**
     * The initial values of the extra tensors of a new adapter whose A and B are already initialised.
     *
     * @param layer the layer (for its base weight)
     * @param adapter the adapter (spec, A, B)
     * @param manager the manager the returned arrays must belong to (the base weight's)
     * @return kind to array, the kinds of {@link #extraTensorShapes}
     */
    Map<String, NDArray> initExtraTensors(LoraLinear layer, LoraAdapter adapter, NDManager manager);

    /**
     * The layer's output with this adapter's contribution added.
     *
     * @param layer the layer
     * @param adapter the adapter
     * @param parameterStore where parameter values come from
     * @param x the layer's input {@code [..., in]}
     * @param result the output so far: the base layer's plus the adapters active before this one
     * @param training whether training (dropout applies)
     * @return the new output
     */
    NDArray forward(LoraLinear layer, LoraAdapter adapter, ParameterStore parameterStore, NDArray x, NDArray result,
            boolean training);

    /**
     * Whether {@link #merge} needs the base weight without any adapter merged into it.
     *
     * @return false unless the merged weight depends on the base weight itself (DoRA's norm)
     */
    default boolean mergeNeedsUnmergedWeight() {
        return false;
    }

    /**
     * Merges the adapter into {@code weight} in place.
     *
     * @param adapter the adapter
     * @param weight the base weight, possibly holding adapters merged before this one
     * @param unmergedWeight the base weight before any merge when {@link #mergeNeedsUnmergedWeight()}, else null
     * @param keep a manager that lives until {@link #unmerge}: the returned state belongs to it
     * @param tmp a manager closed after this call, for temporaries
     * @return what {@link #unmerge} needs beyond the adapter's tensors, or null
     */
    NDArray merge(LoraAdapter adapter, NDArray weight, NDArray unmergedWeight, NDManager keep, NDManager tmp);

    /**
     * Takes the adapter out of {@code weight} in place, undoing {@link #merge} up to float rounding (adapters merged
     * after this one are already unmerged).
     *
     * @param adapter the adapter
     * @param weight the base weight
     * @param state what {@link #merge} returned
     * @param tmp a manager closed after this call
     */
    void unmerge(LoraAdapter adapter, NDArray weight, NDArray state, NDManager tmp);
}
