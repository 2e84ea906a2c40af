package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.ModuleList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The decoder stack without output head ({@code model}): sub-modules {@code embed_tokens}, {@code layers},
 * {@code norm}. Returns the final normalized hidden states.
 */
public final class LlamaModel extends ModuleBlock {

    private final LlamaConfig config;
    private final RotaryEmbedding rope;

    /**
     * Creates the stack.
     *
     * @param config model configuration
     */
    public LlamaModel(LlamaConfig config) {
        this.config = config;
        this.rope = new RotaryEmbedding(config);
        addModule("embed_tokens", new TokenEmbedding(config.vocabSize(), config.hiddenSize()));
        List<LlamaDecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new LlamaDecoderLayer(config, rope));
        }
        addModule("layers", new ModuleList<>(LlamaDecoderLayer.class, layers));
        addModule("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps(), config.unitOffsetNorm()));
    }

    /**
     * The current token embedding.
     *
     * @return the {@code embed_tokens} module
     */
    public TokenEmbedding embedTokens() {
        return (TokenEmbedding) module("embed_tokens");
    }

    /**
     * The current decoder layers (Hugging Face's {@code model.layers}).
     *
     * @return the {@code layers} module
     */
    @SuppressWarnings("unchecked") // checkReplacement keeps "layers" a list of LlamaDecoderLayer
    public ModuleList<LlamaDecoderLayer> layers() {
        return (ModuleList<LlamaDecoderLayer>) module("layers");
    }

    /**
     * The rotary tables used by every layer.
     *
     * @return the rotary embedding
     */
    public RotaryEmbedding rotaryEmbedding() {
        return rope;
    }

    @Override
    protected void checkReplacement(String name, Block replacement) {
        if (name.equals("embed_tokens") && !(replacement instanceof TokenEmbedding)) {
            throw new IllegalArgumentException("embed_tokens can only be replaced by a TokenEmbedding");
        }
        if (name.equals("layers") && !isDecoderLayerList(replacement, config.numHiddenLayers())) {
            throw new IllegalArgumentException("layers can only be replaced by a ModuleList of "
                    + config.numHiddenLayers() + " LlamaDecoderLayer");
        }
    }

    private static boolean isDecoderLayerList(Block block, int size) {
        if (!(block instanceof ModuleList<?> list) || list.size() != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!(list.get(i) instanceof LlamaDecoderLayer)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the decoder.
     *
     * <p>Attention is causal and skips padding keys ({@code attentionMask == 0}). Position ids come from the
     * mask, {@code cumsum(mask) - 1} over cached and new positions, so left padding does not shift positions.
     * With a cache, {@code inputIds} are the new tokens only and the cache grows by {@code T}.
     *
     * @param ps parameter store
     * @param inputIds token ids {@code [B, T]} (integer type); all arrays created during the call belong to its
     *     manager
     * @param attentionMask {@code [B, T]}, 1 for real tokens and 0 for padding, or {@code null} for all ones
     * @param cache key/value cache, or {@code null} for a stateless full pass
     * @param training whether this is a training pass
     * @return hidden states {@code [B, T, hidden]}
     * @throws IllegalArgumentException on shape mismatches or a context longer than a sliding window
     */
    public NDArray forward(
            ParameterStore ps, NDArray inputIds, NDArray attentionMask, KvCache cache, boolean training) {
        Pass pass = prepare(inputIds, attentionMask, cache);
        NDArray h = embed(ps, inputIds, training);
        ModuleList<LlamaDecoderLayer> layers = layers();
        NDManager m = inputIds.getManager();
        for (int i = 0; i < layers.size(); i++) {
            if (cache != null) {
                h = layers.get(i).forward(ps, h, pass.cos(), pass.sin(), pass.additiveMask(), cache, i, training);
                continue;
            }
            // Each layer's intermediates go to a scope closed after the layer, so only the arrays that autograd
            // saved for backward stay alive (it holds its own references), as in eager PyTorch; without it the
            // step would keep every intermediate of every layer until the step's manager closes. Arrays the
            // graph saves must therefore be engine-owned, never wrap a Java buffer that closing would free
            // (constants are made with NDManager.full, not create).
            try (NDManager scope = m.newSubManager()) {
                h.tempAttach(scope);
                NDArray out = layers.get(i).forward(ps, h, pass.cos(), pass.sin(), pass.additiveMask(), null, i,
                        training);
                out.attach(m);
                h = out;
            }
        }
        if (cache != null) {
            cache.commit(pass.fullMask());
        }
        return norm(ps, h, training);
    }

    /**
     * Runs the decoder, then {@code loss} on its final hidden states, and backpropagates the loss, for a training
     * step. Without recomputation this is {@code gc.backward(loss.apply(forward(ps, inputIds, attentionMask, null,
     * true)))}. With {@code recomputeLayers}, the decoder layers run without recording and keep only their inputs;
     * backward then recomputes one layer at a time, from the last to the first, and frees each layer's graph
     * before the next. Gradients are the same to float32 rounding and accumulate into the parameters as one
     * {@code gc.backward} would.
     *
     * @param ps parameter store
     * @param gc the open gradient collector of the step
     * @param inputIds token ids {@code [B, T]}; results belong to its manager
     * @param attentionMask {@code [B, T]}, 1 for real tokens and 0 for padding, or {@code null} for all ones
     * @param loss maps the final hidden states {@code [B, T, hidden]} to a scalar loss (recorded, training mode),
     *     creating its arrays from its argument; with recomputation its argument is a leaf holding the values, not
     *     the graph of the layers below
     * @param recomputeLayers whether to recompute the decoder layers during backward instead of keeping their
     *     graphs (lower peak memory, one more forward pass of the layers)
     * @return the loss value
     * @throws IllegalStateException with {@code recomputeLayers}, if gradients are not being recorded (no open
     *     collector)
     * @throws IllegalArgumentException with {@code recomputeLayers}, if an active adapter applies dropout (a
     *     recomputed layer would draw a different mask than its first pass)
     */
    public float backward(ParameterStore ps, GradientCollector gc, NDArray inputIds, NDArray attentionMask,
            UnaryOperator<NDArray> loss, boolean recomputeLayers) {
        if (recomputeLayers) {
            return LayerRecompute.backward(this, ps, gc, inputIds, attentionMask, loss);
        }
        NDArray value = loss.apply(forward(ps, inputIds, attentionMask, null, true));
        gc.backward(value);
        return value.getFloat();
    }

    /** What every layer of a pass needs besides the hidden states: rotary tables and the masks. */
    record Pass(NDArray cos, NDArray sin, NDArray additiveMask, NDArray fullMask) {}

    /**
     * Validates the inputs and builds the rotary tables and the attention mask of a pass (in the manager of
     * {@code inputIds}); see {@link #forward}.
     */
    Pass prepare(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        NDManager m = inputIds.getManager();
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("input ids must be [batch, tokens], got " + shape);
        }
        long b = shape.get(0);
        long t = shape.get(1);
        NDArray mask = attentionMask == null
                ? m.ones(shape, DataType.INT64)
                : attentionMask.toType(DataType.INT64, false);
        if (!mask.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    "attention mask shape " + mask.getShape() + " differs from input ids shape " + shape);
        }
        long past = cache == null ? 0 : cache.length();
        NDArray fullMask = mask;
        if (past > 0) {
            if (cache.mask().getShape().get(0) != b) {
                throw new IllegalArgumentException(
                        "batch size " + b + " differs from the cache's " + cache.mask().getShape().get(0));
            }
            fullMask = cache.mask().concat(mask, 1);
        }
        long total = past + t;
        if (config.slidingWindow() != null && total > config.slidingWindow()) {
            throw new IllegalArgumentException("context of " + total + " tokens exceeds sliding_window "
                    + config.slidingWindow() + ", which this implementation does not apply");
        }

        // position_ids = cumsum(mask) - 1, with padding positions set to 1 (Hugging Face generate convention)
        NDArray one = m.create(1L);
        NDArray positions = fullMask.cumSum(1).sub(one).mul(fullMask).add(one.sub(fullMask));
        if (past > 0) {
            positions = positions.get(new NDIndex(":, {}:", past));
        }
        NDArray[] cosSin = rope.cosSin(positions);
        return new Pass(cosSin[0], cosSin[1], additiveMask(m, fullMask, b, t, past), fullMask);
    }

    /** The token embeddings that enter the first layer (scaled for Gemma), in the manager of {@code inputIds}. */
    NDArray embed(ParameterStore ps, NDArray inputIds, boolean training) {
        NDArray h = call("embed_tokens", ps, inputIds, training);
        if (config.scaledEmbeddings()) {
            h = h.mul(inputIds.getManager().create((float) Math.sqrt(config.hiddenSize())));
        }
        return h;
    }

    /** The final norm. */
    NDArray norm(ParameterStore ps, NDArray hidden, boolean training) {
        return call("norm", ps, hidden, training);
    }

    /**
     * {@code [B, 1, T, P + T]}: 0 where query {@code i} (absolute position {@code P + i}) may see key {@code j},
     * i.e. {@code j <= P + i} and key {@code j} is not padding; the lowest float elsewhere. A fully masked row
     * (a padding query) becomes uniform, never NaN.
     */
    private static NDArray additiveMask(NDManager m, NDArray fullMask, long b, long t, long past) {
        long s = past + t;
        boolean[] causal = new boolean[Math.toIntExact(t * s)];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < s; j++) {
                causal[(int) (i * s + j)] = j <= past + i;
            }
        }
        NDArray allowed = m.create(causal, new Shape(1, 1, t, s))
                .logicalAnd(fullMask.toType(DataType.BOOLEAN, false).reshape(b, 1, 1, s));
        Shape full = allowed.getShape(); // DJL's where does not broadcast
        return NDArrays.where(allowed, m.zeros(full), m.full(full, -Float.MAX_VALUE));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, inputs.get(0), mask, null, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("embed_tokens").initialize(manager, dataType, new Shape(1, 1));
        module("layers").initialize(manager, dataType, new Shape(1, 1, config.hiddenSize()));
        module("norm").initialize(manager, dataType, new Shape(1, 1, config.hiddenSize()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].addAll(new Shape(config.hiddenSize()))};
    }
}
