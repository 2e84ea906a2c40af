package io.github.treelora.djl.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The LLaMA-architecture decoder families this package computes, as one table: what each family's
 * {@code config.json} means for the shared architecture. A new family of the same shape is one more entry here
 * (and one golden test against transformers); nothing else in the package branches on the model type.
 *
 * <ul>
 *   <li>LLaMA: {@code attention_bias} covers q/k/v/o, {@code mlp_bias} the MLP; SiLU.</li>
 *   <li>Qwen2: q/k/v always have a bias, o_proj never; a sliding window only with {@code use_sliding_window}.</li>
 *   <li>Mistral: a sliding window whenever {@code sliding_window} is set.</li>
 *   <li>Gemma: {@code attention_bias} covers q/k/v/o; GELU (tanh approximation); RMS norms scale by
 *       {@code 1 + weight}; token embeddings are multiplied by {@code sqrt(hidden_size)}; embeddings tied by
 *       default.</li>
 * </ul>
 *
 * @param modelType the {@code model_type} of the config
 * @param architecture the {@code architectures[0]} of its causal-LM checkpoints
 * @param activation the MLP activation, Hugging Face's name ({@code silu} or {@code gelu_pytorch_tanh})
 * @param alwaysQkvBias whether q/k/v have a bias whatever the config says (Qwen2)
 * @param attentionBiasKey whether {@code attention_bias} switches biases on q/k/v/o
 * @param mlpBiasKey whether {@code mlp_bias} switches biases on the MLP
 * @param windowSwitch the config key that turns the sliding window on, {@code ""} when {@code sliding_window}
 *     alone does, or {@code null} when the family has none
 * @param unitOffsetNorm whether RMS norms multiply by {@code 1 + weight} instead of {@code weight}
 * @param scaledEmbeddings whether token embeddings are multiplied by {@code sqrt(hidden_size)}
 * @param tiedByDefault {@code tie_word_embeddings} when the config omits it
 */
public record DecoderFamily(
        String modelType,
        String architecture,
        String activation,
        boolean alwaysQkvBias,
        boolean attentionBiasKey,
        boolean mlpBiasKey,
        String windowSwitch,
        boolean unitOffsetNorm,
        boolean scaledEmbeddings,
        boolean tiedByDefault) {

    /** LLaMA 1-3. */
    public static final DecoderFamily LLAMA =
            new DecoderFamily("llama", "LlamaForCausalLM", "silu", false, true, true, null, false, false, false);
    /** Qwen2 and Qwen2.5. */
    public static final DecoderFamily QWEN2 = new DecoderFamily("qwen2", "Qwen2ForCausalLM", "silu", true, false,
            false, "use_sliding_window", false, false, false);
    /** Mistral. */
    public static final DecoderFamily MISTRAL = new DecoderFamily("mistral", "MistralForCausalLM", "silu", false,
            false, false, "", false, false, false);
    /** Gemma (the first generation; Gemma 2 and 3 add soft-capping and alternating windows, not implemented). */
    public static final DecoderFamily GEMMA = new DecoderFamily("gemma", "GemmaForCausalLM", "gelu_pytorch_tanh",
            false, true, false, null, true, true, true);

    /** Every family, in the order error messages list them. */
    public static final List<DecoderFamily> ALL = List.of(LLAMA, QWEN2, MISTRAL, GEMMA);

    /**
     * The family of a {@code model_type}.
     *
     * @param modelType the config's {@code model_type}
     * @return the family, if this package computes it
     */
    public static Optional<DecoderFamily> of(String modelType) {
        return ALL.stream().filter(f -> f.modelType.equals(modelType)).findFirst();
    }

    /**
     * The family of a {@code model_type}, or an error listing the supported ones.
     *
     * @param modelType the config's {@code model_type}
     * @return the family
     * @throws IllegalArgumentException if no family has that type
     */
    public static DecoderFamily require(String modelType) {
        return of(modelType).orElseThrow(() -> new IllegalArgumentException("unsupported model_type '" + modelType
                + "' (supported: " + ALL.stream().map(DecoderFamily::modelType).collect(Collectors.joining(", "))
                + ")"));
    }

    boolean qkvBias(JsonNode root) {
        return alwaysQkvBias || attentionBiasKey && root.path("attention_bias").asBoolean(false);
    }

    boolean oProjBias(JsonNode root) {
        return attentionBiasKey && root.path("attention_bias").asBoolean(false);
    }

    boolean mlpBias(JsonNode root) {
        return mlpBiasKey && root.path("mlp_bias").asBoolean(false);
    }

    Integer slidingWindow(JsonNode root) {
        JsonNode sw = root.get("sliding_window");
        boolean on = windowSwitch != null && (windowSwitch.isEmpty() || root.path(windowSwitch).asBoolean(false));
        return on && sw != null && sw.isNumber() ? sw.asInt() : null;
    }
}
