package io.github.treelora.djl.models.llama;

import io.github.treelora.djl.loss.CausalLmLoss;
import java.nio.file.Path;
import io.github.treelora.djl.models.HfCheckpoint;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.WideningLinear;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A LLaMA-family causal language model (Hugging Face {@code LlamaForCausalLM}, {@code Qwen2ForCausalLM},
 * {@code MistralForCausalLM}) as a DJL block with sub-modules {@code model} and {@code lm_head}, so module paths
 * and weight names equal Hugging Face's ({@code model.layers.0.self_attn.q_proj.weight}, ...).
 *
 * <p>Typical use: construct, {@link #initializeParameters(NDManager)}, {@link #loadWeights(TensorSource)}, then
 * {@link #logits} / {@link #generate} or train with {@link CausalLmLoss}. DJL's {@code forward} takes
 * {@code NDList(inputIds[, attentionMask])} and returns {@code NDList(logits)}.
 */
public final class LlamaForCausalLM extends ModuleBlock {

    private final LlamaConfig config;

    /**
     * Builds the (uninitialized) block tree for a configuration. With {@code tie_word_embeddings} the head is a
     * {@link TiedLmHead}; otherwise a DJL {@link Linear} without bias.
     *
     * @param config model configuration
     */
    public LlamaForCausalLM(LlamaConfig config) {
        this.config = config;
        LlamaModel model = addModule("model", new LlamaModel(config));
        addModule("lm_head", config.tieWordEmbeddings()
                ? new TiedLmHead(model)
                : WideningLinear.of(config.vocabSize(), false));
        // Hugging Face's _init_weights: normal(0, initializer_range = 0.02) for linear and embedding weights.
        setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    }

    /**
     * Loads a Hugging Face {@code LlamaForCausalLM} / {@code Qwen2ForCausalLM} / {@code MistralForCausalLM}
     * checkpoint directory ({@code config.json} and {@code model.safetensors} or a sharded index; F32, F16 or
     * BF16 weights, widened to float32) with {@link #loadWeights}.
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @return the loaded model; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the config or weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static LlamaForCausalLM fromPretrained(Path dir, NDManager manager) {
        return fromPretrained(dir, manager, WeightStorage.FLOAT32);
    }

    /**
     * Loads a checkpoint as {@link #fromPretrained(Path, NDManager)} does, keeping the weight matrices and the
     * embedding table in {@code storage}'s element type. Tensors are copied straight from the memory-mapped files
     * into native memory, one at a time (no copy on the Java heap); BF16 is converted on the way, never held as a
     * BF16 array; every value is checked to be finite. With {@link WeightStorage#FLOAT16}, those parameters are
     * frozen (they are base weights for adapters: full fine-tuning needs float32) and a value beyond float16's
     * range is an error naming the tensor; norms and biases stay float32, and computation stays float32.
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @param storage element type of the weight matrices, for example
     *     {@code WeightStorage.defaultFor(manager.getDevice())}
     * @return the loaded model; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the config or weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static LlamaForCausalLM fromPretrained(Path dir, NDManager manager, WeightStorage storage) {
        return fromPretrained(dir, LlamaConfig.fromFile(HfCheckpoint.configFile(dir)), manager, storage);
    }

    /**
     * Loads a checkpoint as {@link #fromPretrained(Path, NDManager, WeightStorage)} does, with its config already
     * parsed.
     *
     * @param dir the checkpoint directory
     * @param config the parsed {@code config.json} of {@code dir}
     * @param manager parent of the manager that will own the parameters
     * @param storage element type of the weight matrices
     * @return the loaded model; on failure nothing stays allocated (see {@link HfCheckpoint})
     * @throws IllegalArgumentException if the weights are invalid (naming the file and key)
     * @throws java.io.UncheckedIOException if a file cannot be read
     */
    public static LlamaForCausalLM fromPretrained(Path dir, LlamaConfig config, NDManager manager,
            WeightStorage storage) {
        LlamaForCausalLM model = new LlamaForCausalLM(config);
        return HfCheckpoint.loadInto(dir, manager, model, storage, model::initializeParameters, (m, source) -> {
            m.parameterManager();
            StateDict.loadStreaming(m, source, m.loadOptions());
            for (Parameter p : m.namedParameters().values()) {
                if (p.getArray().getDataType() != DataType.FLOAT32) {
                    p.freeze(true);
                }
            }
        });
    }

    /**
     * The configuration.
     *
     * @return the configuration this model was built from
     */
    public LlamaConfig config() {
        return config;
    }

    /**
     * The decoder stack.
     *
     * @return the current {@code model} module
     */
    public LlamaModel model() {
        return (LlamaModel) module("model");
    }

    /**
     * Creates all parameters as float32 in {@code manager} (random: normal(0, 0.02) weights, zero biases, unit
     * norms). Already initialized sub-modules keep their values.
     *
     * @param manager manager that will own the parameters
     */
    public void initializeParameters(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, 1));
    }

    @Override
    protected void checkReplacement(String name, Block replacement) {
        if (name.equals("model") && !(replacement instanceof LlamaModel)) {
            throw new IllegalArgumentException("model can only be replaced by a LlamaModel");
        }
    }

    /**
     * Next-token logits.
     *
     * @param ps parameter store (for example {@code new ParameterStore(manager, false)})
     * @param inputIds token ids {@code [B, T]}; results belong to its manager
     * @param attentionMask {@code [B, T]} with 1 for tokens and 0 for padding (left or right), or {@code null}
     * @param cache key/value cache from {@link #newCache}, or {@code null}
     * @param training whether this is a training pass
     * @return float32 logits {@code [B, T, vocab]}
     */
    public NDArray logits(
            ParameterStore ps, NDArray inputIds, NDArray attentionMask, KvCache cache, boolean training) {
        NDArray h = model().forward(ps, inputIds, attentionMask, cache, training);
        return call("lm_head", ps, h, training);
    }

    /**
     * The causal-LM training loss ({@link CausalLmLoss#compute} on {@link #logits}) without the full
     * {@code [B, T, vocab]} logits: with a frozen plain head (an untied {@code lm_head} without adapters, or the
     * tied embedding) through {@link CausalLmLoss#fromHidden} (chunked, no logits kept for backward); with any
     * other head (trainable, or adapted with LoRA) through {@link CausalLmLoss#fromTargetHidden} (logits only at
     * the counted positions). Same value and gradients as the full path to float32 rounding.
     *
     * @param ps parameter store
     * @param inputIds token ids {@code [B, T]}; results belong to its manager
     * @param attentionMask {@code [B, T]} with 1 for tokens and 0 for padding, or {@code null}
     * @param labels {@code [B, T]}: the token each position is (Hugging Face convention, shifted inside), or
     *     {@link CausalLmLoss#IGNORE_INDEX}
     * @param training whether this is a training pass
     * @return the scalar mean loss over counted tokens
     * @throws IllegalArgumentException on shape mismatches, labels out of range or no counted token
     */
    public NDArray causalLmLoss(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray labels,
            boolean training) {
        return lossFromHidden(ps, model().forward(ps, inputIds, attentionMask, null, training), labels, training);
    }

    /**
     * One training step's forward and backward pass of {@link #causalLmLoss}: the gradients of the loss
     * accumulate into the trainable parameters (as {@code gc.backward(causalLmLoss(...))} would leave them), ready
     * for hooks that read them and for the optimizer update. With {@code recomputeLayers} the decoder layers are
     * recomputed one at a time during backward instead of keeping every layer's graph ({@link LlamaModel#backward}):
     * the peak memory of the step then holds one layer's graph, at the cost of one more forward pass of the layers.
     * Off, this is exactly {@code gc.backward(causalLmLoss(...))}.
     *
     * @param ps parameter store
     * @param gc the open gradient collector of the step
     * @param inputIds token ids {@code [B, T]}; results belong to its manager
     * @param attentionMask {@code [B, T]} with 1 for tokens and 0 for padding, or {@code null}
     * @param labels {@code [B, T]}: the token each position is, or {@link CausalLmLoss#IGNORE_INDEX}
     * @param recomputeLayers whether to recompute the decoder layers during backward
     * @return the loss value
     * @throws IllegalArgumentException on shape mismatches, labels out of range or no counted token; with
     *     {@code recomputeLayers}, if an active adapter applies dropout
     * @throws IllegalStateException with {@code recomputeLayers}, if gradients are not being recorded
     */
    public float causalLmBackward(ParameterStore ps, GradientCollector gc, NDArray inputIds, NDArray attentionMask,
            NDArray labels, boolean recomputeLayers) {
        return model().backward(ps, gc, inputIds, attentionMask, h -> lossFromHidden(ps, h, labels, true),
                recomputeLayers);
    }

    private NDArray lossFromHidden(ParameterStore ps, NDArray h, NDArray labels, boolean training) {
        Block head = module("lm_head");
        Parameter weight = null;
        if (head instanceof TiedLmHead) {
            weight = model().embedTokens().weight();
        } else if (head.getClass() == WideningLinear.class || head.getClass() == Linear.class) {
            weight = head.getDirectParameters().contains("bias") ? null : head.getDirectParameters().get("weight");
        }
        if (weight != null && !weight.requiresGradient()) {
            return CausalLmLoss.fromHidden(h, labels, ps.getValue(weight, h.getDevice(), training));
        }
        return CausalLmLoss.fromTargetHidden(h, labels, config.vocabSize(), x -> call("lm_head", ps, x, training));
    }

    /**
     * An empty cache for incremental decoding with this model.
     *
     * @param manager parent of the cache's own manager (same device as the parameters)
     * @return a new cache; close it when done
     */
    public KvCache newCache(NDManager manager) {
        return new KvCache(manager, config.numHiddenLayers());
    }

    /**
     * Greedy decoding with a key/value cache.
     *
     * @param promptIds prompt token ids (at least one)
     * @param maxNewTokens maximum number of tokens to generate
     * @param eosTokenId generation stops after this id is produced; a negative value disables stopping
     * @return generated tokens and their step logits
     */
    public GenerationResult generate(long[] promptIds, int maxNewTokens, long eosTokenId) {
        return generate(promptIds, maxNewTokens, eosTokenId, true);
    }

    /**
     * Greedy decoding, either incrementally with a key/value cache or by recomputing the whole sequence at each
     * step (the reference the cached path must agree with).
     *
     * @param promptIds prompt token ids (at least one, each in {@code [0, vocab)})
     * @param maxNewTokens maximum number of tokens to generate, {@code >= 0}
     * @param eosTokenId generation stops after this id is produced; a negative value disables stopping
     * @param useCache whether to decode incrementally with a cache
     * @return generated tokens and their step logits
     * @throws IllegalArgumentException on an empty prompt, an id out of range or a negative count
     * @throws IllegalStateException if the parameters are not initialized
     */
    public GenerationResult generate(long[] promptIds, int maxNewTokens, long eosTokenId, boolean useCache) {
        if (promptIds.length == 0 || maxNewTokens < 0) {
            throw new IllegalArgumentException("need a non-empty prompt and maxNewTokens >= 0");
        }
        for (long id : promptIds) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("prompt id " + id + " outside [0, " + config.vocabSize() + ")");
            }
        }
        List<Long> tokens = new ArrayList<>();
        List<float[]> stepLogits = new ArrayList<>();
        try (NDManager base = parameterManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(base, false);
            KvCache cache = useCache ? newCache(base) : null;
            long[] sequence = promptIds.clone();
            long[] input = promptIds;
            for (int step = 0; step < maxNewTokens; step++) {
                float[] last;
                try (NDManager sm = base.newSubManager()) {
                    NDArray ids = sm.create(input, new Shape(1, input.length));
                    NDArray logits = logits(ps, ids, null, cache, false);
                    last = logits.get(new NDIndex(":, -1, :")).toFloatArray();
                }
                int next = argmax(last);
                tokens.add((long) next);
                stepLogits.add(last);
                sequence = Arrays.copyOf(sequence, sequence.length + 1);
                sequence[sequence.length - 1] = next;
                input = useCache ? new long[] {next} : sequence;
                if (next == eosTokenId) {
                    break;
                }
            }
        }
        return new GenerationResult(
                tokens.stream().mapToLong(Long::longValue).toArray(), stepLogits.toArray(new float[0][]));
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private NDManager parameterManager() {
        PairList<String, Parameter> params = getParameters();
        if (params.isEmpty() || !params.valueAt(0).isInitialized()) {
            throw new IllegalStateException("parameters are not initialized; call initializeParameters first");
        }
        return params.valueAt(0).getArray().getManager();
    }

    /**
     * The parameters under their Hugging Face state-dict names ({@code model.embed_tokens.weight}, ...,
     * {@code lm_head.weight} unless tied), as {@link StateDict#parameters} names them.
     *
     * @return an ordered map, forward order
     */
    public Map<String, Parameter> namedParameters() {
        return StateDict.parameters(this);
    }

    /**
     * A copy of the current weights under Hugging Face names (the inverse of {@link #loadWeights}).
     *
     * @return the weights
     * @throws IllegalStateException if the parameters are not initialized
     */
    public InMemoryTensorSource stateDict() {
        parameterManager();
        return InMemoryTensorSource.of(StateDict.snapshot(this));
    }

    /**
     * The loading rules of this model's checkpoints: {@code *.rotary_emb.inv_freq} buffers of old checkpoints
     * are ignored (the tables are recomputed from the config) and, with tied embeddings, an
     * {@code lm_head.weight} is accepted when it equals {@code model.embed_tokens.weight}.
     *
     * @return the options for {@link StateDict#load(ai.djl.nn.Block, TensorSource, StateDict.LoadOptions)}
     */
    public StateDict.LoadOptions loadOptions() {
        StateDict.LoadOptions options = StateDict.LoadOptions.STRICT.ignoring("*.rotary_emb.inv_freq");
        if (config.tieWordEmbeddings()) {
            options = options.tying("lm_head.weight", "model.embed_tokens.weight", "tie_word_embeddings is true");
        }
        return options;
    }

    /**
     * Replaces every weight by the tensor of the same Hugging Face name with {@link StateDict#load} and
     * {@link #loadOptions()}. Everything is validated before any assignment: on error the model is unchanged.
     *
     * @param source checkpoint tensors
     * @throws IllegalStateException if the parameters are not initialized
     * @throws IllegalArgumentException naming the key, for missing or unexpected tensors, shape or dtype
     *     mismatches, or a tied {@code lm_head.weight} that differs from the embedding
     */
    public void loadWeights(TensorSource source) {
        parameterManager();
        StateDict.load(this, source, loadOptions());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(logits(ps, inputs.get(0), mask, null, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("model").initialize(manager, dataType, new Shape(1, 1));
        module("lm_head").initialize(manager, dataType, new Shape(1, 1, config.hiddenSize()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].addAll(new Shape(config.vocabSize()))};
    }
}
