package io.github.treelora.djl.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.djl.models.ConfigJson;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Hyper-parameters of a LLaMA-family causal decoder, as read from a Hugging Face {@code config.json}.
 *
 * <p>Supported {@code model_type}s are those of {@link DecoderFamily#ALL} ({@code llama}, {@code qwen2},
 * {@code mistral}, {@code gemma}). They share one architecture and differ only in the settings that table lists.
 *
 * @param modelType Hugging Face {@code model_type}
 * @param vocabSize number of token ids
 * @param hiddenSize width of the residual stream
 * @param intermediateSize width of the SwiGLU MLP
 * @param numHiddenLayers number of decoder layers
 * @param numAttentionHeads number of query heads
 * @param numKeyValueHeads number of key/value heads (grouped-query attention when smaller than query heads)
 * @param headDim width of one attention head ({@code head_dim}, default {@code hidden_size / heads})
 * @param rmsNormEps epsilon inside the RMS norm
 * @param ropeTheta rotary base
 * @param ropeScaling rotary frequency scaling, or {@code null} for plain RoPE
 * @param maxPositionEmbeddings context length the model was trained for
 * @param tieWordEmbeddings whether {@code lm_head} reuses {@code model.embed_tokens.weight}
 * @param qkvBias whether q_proj, k_proj and v_proj have a bias
 * @param oProjBias whether o_proj has a bias
 * @param mlpBias whether gate_proj, up_proj and down_proj have a bias ({@code mlp_bias}, LLaMA only)
 * @param slidingWindow window of sliding-window attention when it is in effect, else {@code null}; this
 *     implementation attends to the whole context, so sequences longer than the window are rejected
 * @param hiddenAct the MLP activation: {@code silu} or {@code gelu_pytorch_tanh}
 * @param unitOffsetNorm whether RMS norms multiply by {@code 1 + weight} (Gemma) instead of {@code weight}
 * @param scaledEmbeddings whether token embeddings are multiplied by {@code sqrt(hidden_size)} (Gemma)
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean oProjBias,
        boolean mlpBias,
        Integer slidingWindow,
        String hiddenAct,
        boolean unitOffsetNorm,
        boolean scaledEmbeddings) {

    /**
     * Llama-3 style rotary frequency scaling ({@code rope_scaling} with {@code rope_type: "llama3"}).
     *
     * @param factor divisor applied to low frequencies
     * @param lowFreqFactor wavelengths above {@code original / lowFreqFactor} are fully scaled
     * @param highFreqFactor wavelengths below {@code original / highFreqFactor} are kept
     * @param originalMaxPositionEmbeddings context length before extension
     */
    public record RopeScaling(
            double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

        /**
         * Validates the values.
         *
         * @param factor divisor applied to low frequencies
         * @param lowFreqFactor wavelengths above {@code original / lowFreqFactor} are fully scaled
         * @param highFreqFactor wavelengths below {@code original / highFreqFactor} are kept
         * @param originalMaxPositionEmbeddings context length before extension
         */
        public RopeScaling {
            if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)
                    || originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "invalid llama3 rope_scaling: factor=%s low_freq_factor=%s high_freq_factor=%s "
                                + "original_max_position_embeddings=%d (need positive values and high > low)",
                        factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings));
            }
        }
    }

    /**
     * Validates the dimensions.
     *
     * @param modelType Hugging Face {@code model_type}
     * @param vocabSize number of token ids
     * @param hiddenSize width of the residual stream
     * @param intermediateSize width of the SwiGLU MLP
     * @param numHiddenLayers number of decoder layers
     * @param numAttentionHeads number of query heads
     * @param numKeyValueHeads number of key/value heads (grouped-query attention when smaller than query heads)
     * @param headDim width of one attention head ({@code head_dim}, default {@code hidden_size / heads})
     * @param rmsNormEps epsilon inside the RMS norm
     * @param ropeTheta rotary base
     * @param ropeScaling rotary frequency scaling, or {@code null} for plain RoPE
     * @param maxPositionEmbeddings context length the model was trained for
     * @param tieWordEmbeddings whether {@code lm_head} reuses {@code model.embed_tokens.weight}
     * @param qkvBias whether q_proj, k_proj and v_proj have a bias
     * @param oProjBias whether o_proj has a bias
     * @param mlpBias whether gate_proj, up_proj and down_proj have a bias ({@code mlp_bias}, LLaMA only)
     * @param slidingWindow window of sliding-window attention when it is in effect, else {@code null}; this
     *     implementation attends to the whole context, so sequences longer than the window are rejected
     * @param hiddenAct the MLP activation: {@code silu} or {@code gelu_pytorch_tanh}
     * @param unitOffsetNorm whether RMS norms multiply by {@code 1 + weight} (Gemma) instead of {@code weight}
     * @param scaledEmbeddings whether token embeddings are multiplied by {@code sqrt(hidden_size)} (Gemma)
     */
    public LlamaConfig {
        if (!"silu".equals(hiddenAct) && !"gelu_pytorch_tanh".equals(hiddenAct)) {
            throw new IllegalArgumentException("unsupported hidden_act '" + hiddenAct
                    + "' (silu, gelu_pytorch_tanh)");
        }
        if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0
                || numAttentionHeads <= 0 || numKeyValueHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("config sizes must be positive: " + modelType);
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") is not a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
        if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
            throw new IllegalArgumentException("rms_norm_eps and rope_theta must be positive");
        }
    }

    /**
     * A configuration with the LLaMA-style MLP and norms (SiLU, norms scale by their weight, unscaled embeddings),
     * as used by LLaMA, Qwen2 and Mistral; see the canonical constructor for the parameters.
     *
     * @param modelType Hugging Face {@code model_type}
     * @param vocabSize number of token ids
     * @param hiddenSize width of the residual stream
     * @param intermediateSize width of the SwiGLU MLP
     * @param numHiddenLayers number of decoder layers
     * @param numAttentionHeads number of query heads
     * @param numKeyValueHeads number of key/value heads
     * @param headDim width of one attention head
     * @param rmsNormEps epsilon inside the RMS norm
     * @param ropeTheta rotary base
     * @param ropeScaling rotary frequency scaling, or {@code null} for plain RoPE
     * @param maxPositionEmbeddings context length the model was trained for
     * @param tieWordEmbeddings whether {@code lm_head} reuses {@code model.embed_tokens.weight}
     * @param qkvBias whether q_proj, k_proj and v_proj have a bias
     * @param oProjBias whether o_proj has a bias
     * @param mlpBias whether gate_proj, up_proj and down_proj have a bias
     * @param slidingWindow window of sliding-window attention, or {@code null}
     */
    public LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
            int numAttentionHeads, int numKeyValueHeads, int headDim, double rmsNormEps, double ropeTheta,
            RopeScaling ropeScaling, int maxPositionEmbeddings, boolean tieWordEmbeddings, boolean qkvBias,
            boolean oProjBias, boolean mlpBias, Integer slidingWindow) {
        this(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings,
                tieWordEmbeddings, qkvBias, oProjBias, mlpBias, slidingWindow, "silu", false, false);
    }

    /**
     * Reads a Hugging Face {@code config.json} file.
     *
     * @param configJson path of the file
     * @return the configuration
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if a required field is missing or a setting is unsupported
     */
    public static LlamaConfig fromFile(Path configJson) {
        return ConfigJson.readFile(configJson, "LLaMA", LlamaConfig::fromJson);
    }

    /**
     * Parses the text of a Hugging Face {@code config.json}.
     *
     * @param json the JSON text
     * @return the configuration
     * @throws IllegalArgumentException if the JSON is malformed, a required field is missing, or the model type,
     *     activation or rope type is unsupported
     */
    public static LlamaConfig fromJson(String json) {
        return fromJson(ConfigJson.parseObject(json, "LLaMA-family"));
    }

    /**
     * Parses a Hugging Face {@code config.json} already read as a JSON object, as {@link #fromJson(String)} does.
     *
     * @param root the config object
     * @return the configuration
     * @throws IllegalArgumentException if a key is missing or a value is invalid (named in the message)
     */
    public static LlamaConfig fromJson(JsonNode root) {
        String type = ConfigJson.requiredText(root, "model_type");
        DecoderFamily family = DecoderFamily.require(type);
        String act = root.path("hidden_act").asText(family.activation());
        if (!act.equals(family.activation())) {
            throw new IllegalArgumentException("unsupported hidden_act '" + act + "' for " + type + " (only "
                    + family.activation() + ")");
        }
        // Early Gemma configs name the MLP activation hidden_activation; it must agree when present.
        String act2 = root.path("hidden_activation").asText(act);
        if (!act2.equals(act)) {
            throw new IllegalArgumentException("unsupported hidden_activation '" + act2 + "' for " + type
                    + " (only " + family.activation() + ")");
        }
        int hidden = ConfigJson.requiredInt(root, "hidden_size");
        int heads = ConfigJson.requiredInt(root, "num_attention_heads");
        int kvHeads = ConfigJson.optionalInt(root, "num_key_value_heads", heads);
        int headDim = ConfigJson.optionalInt(root, "head_dim", hidden / heads);
        if (!root.has("head_dim") || root.get("head_dim").isNull()) {
            if (hidden % heads != 0) {
                throw new IllegalArgumentException("hidden_size (" + hidden
                        + ") is not a multiple of num_attention_heads (" + heads + ") and head_dim is absent");
            }
        }
        refuseUnimplemented(root);
        JsonNode rope = ropeSettings(root);
        return new LlamaConfig(
                type,
                ConfigJson.requiredInt(root, "vocab_size"),
                hidden,
                ConfigJson.requiredInt(root, "intermediate_size"),
                ConfigJson.requiredInt(root, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                root.path("rms_norm_eps").asDouble(1e-6),
                rope.path("rope_theta").asDouble(root.path("rope_theta").asDouble(10000.0)),
                parseRopeScaling(rope),
                ConfigJson.optionalInt(root, "max_position_embeddings", 2048),
                root.path("tie_word_embeddings").asBoolean(family.tiedByDefault()),
                family.qkvBias(root),
                family.oProjBias(root),
                family.mlpBias(root),
                family.slidingWindow(root),
                family.activation(),
                family.unitOffsetNorm(),
                family.scaledEmbeddings());
    }

    /**
     * A plain LLaMA configuration (no biases, default rope, untied) for models trained from scratch.
     *
     * @param vocabSize number of token ids
     * @param hiddenSize residual width
     * @param intermediateSize MLP width
     * @param layers number of decoder layers
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param maxPositions context length
     * @return the configuration
     */
    public static LlamaConfig llama(
            int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int maxPositions) {
        if (heads <= 0 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a multiple of heads " + heads);
        }
        return new LlamaConfig("llama", vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads,
                hiddenSize / heads, 1e-6, 10000.0, null, maxPositions, false, false, false, false, null);
    }

    /**
     * The rotary settings in either layout: transformers 5.x writes one {@code rope_parameters} object holding
     * {@code rope_type}, {@code rope_theta} and the scaling fields; 4.x wrote {@code rope_scaling} (or null) and a
     * top-level {@code rope_theta}. A config with both must agree, since silently preferring one changes logits.
     */
    private static JsonNode ropeSettings(JsonNode root) {
        JsonNode params = root.get("rope_parameters");
        JsonNode scaling = root.get("rope_scaling");
        boolean hasParams = params != null && !params.isNull();
        boolean hasScaling = scaling != null && !scaling.isNull();
        if (hasParams && !params.isObject()) {
            throw new IllegalArgumentException("rope_parameters must be an object, got " + params);
        }
        if (hasScaling && !scaling.isObject()) {
            throw new IllegalArgumentException("rope_scaling must be an object or null, got " + scaling);
        }
        if (hasParams && hasScaling && !ropeKind(params).equals(ropeKind(scaling))) {
            throw new IllegalArgumentException("rope_parameters (rope_type '" + ropeKind(params)
                    + "') and rope_scaling (rope_type '" + ropeKind(scaling) + "') disagree");
        }
        if (hasParams && params.has("rope_theta") && root.has("rope_theta")
                && params.get("rope_theta").asDouble() != root.get("rope_theta").asDouble()) {
            throw new IllegalArgumentException("rope_parameters.rope_theta (" + params.get("rope_theta")
                    + ") and rope_theta (" + root.get("rope_theta") + ") disagree");
        }
        return hasParams ? params : hasScaling ? scaling : com.fasterxml.jackson.databind.node.MissingNode
                .getInstance();
    }

    // Older configs spell the key "type"; newer ones "rope_type"; absent means plain RoPE.
    private static String ropeKind(JsonNode node) {
        return node.has("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("default");
    }

    /**
     * Refuses settings that change the computation and that this decoder does not implement, rather than
     * silently computing something else. Each is accepted at its neutral value.
     */
    private static void refuseUnimplemented(JsonNode root) {
        double partial = root.path("partial_rotary_factor").asDouble(1.0);
        if (partial != 1.0) {
            throw new IllegalArgumentException("partial_rotary_factor " + partial
                    + " is not supported (rotary embedding over the whole head only)");
        }
        for (String softcap : List.of("attn_logit_softcapping", "final_logit_softcapping")) {
            if (root.hasNonNull(softcap)) {
                throw new IllegalArgumentException(softcap + " is not supported (got " + root.get(softcap) + ")");
            }
        }
        JsonNode layerTypes = root.get("layer_types");
        if (layerTypes != null && layerTypes.isArray()) {
            for (JsonNode t : layerTypes) {
                String layerType = t.asText();
                if (!layerType.equals("full_attention") && !layerType.equals("sliding_attention")) {
                    throw new IllegalArgumentException("layer_types entry '" + layerType
                            + "' is not supported (full_attention, sliding_attention)");
                }
            }
        }
    }

    private static RopeScaling parseRopeScaling(JsonNode node) {
        if (node.isMissingNode()) {
            return null;
        }
        String kind = ropeKind(node);
        if (kind.equals("default")) {
            return null;
        }
        if (!kind.equals("llama3")) {
            throw new IllegalArgumentException("unsupported rope_type '" + kind
                    + "' (supported: default, llama3)");
        }
        for (String f : new String[] {"factor", "low_freq_factor", "high_freq_factor",
            "original_max_position_embeddings"}) {
            if (!node.hasNonNull(f) || !node.get(f).isNumber()) {
                throw new IllegalArgumentException("rope settings (llama3) lack numeric field '" + f + "'");
            }
        }
        return new RopeScaling(node.get("factor").asDouble(), node.get("low_freq_factor").asDouble(),
                node.get("high_freq_factor").asDouble(), node.get("original_max_position_embeddings").asInt());
    }

    /**
     * Number of query heads sharing one key/value head.
     *
     * @return {@code numAttentionHeads / numKeyValueHeads}
     */
    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }
}
