package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.WideningLinear;

/**
 * Output head tied to the token embedding ({@code tie_word_embeddings}): {@code logits = h E^T} with
 * {@code E = model.embed_tokens.weight}. It has no parameter of its own, so optimizers update the shared
 * table once, with the gradients of both uses summed.
 */
public final class TiedLmHead extends AbstractBlock {

    private final LlamaModel model;

    /**
     * Creates a head reading the embedding of {@code model} (looked up on every call, so a replaced
     * {@code embed_tokens} is followed).
     *
     * @param model the decoder stack
     */
    public TiedLmHead(LlamaModel model) {
        this.model = model;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray h = inputs.singletonOrThrow();
        NDArray table = ps.getValue(model.embedTokens().weight(), h.getDevice(), training);
        NDArray wide = WideningLinear.inTypeOf(table, h);
        // linear(h, E) is called on h, so the result belongs to the step's manager, not the parameter's.
        NDList out = Linear.linear(h, wide);
        if (wide != table) {
            wide.close();
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).addAll(new Shape(model.embedTokens().vocabSize()))};
    }
}
