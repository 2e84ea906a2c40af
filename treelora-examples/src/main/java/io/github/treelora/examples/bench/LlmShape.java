package io.github.treelora.examples.bench;

import io.github.treelora.djl.models.llama.LlamaConfig;
import java.util.Arrays;
import java.util.Locale;

/**
 * The model shapes {@code bench-llm} builds random checkpoints of. Each real shape's {@code config.json} carries the
 * published model's architecture fields unchanged (widths, layers, heads, key/value heads, MLP width, vocabulary,
 * tied embeddings, rotary base and scaling, norm epsilon, biases), so DJL and transformers build exactly that model;
 * only the weights are random. {@code tiny} is for tests.
 */
enum LlmShape {
    /** Qwen2.5-0.5B: 494M parameters, q/k/v biases, tied embeddings, 151,936-token vocabulary. */
    QWEN2_5_0_5B("qwen2.5-0.5b", """
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_dropout": 0.0,
             "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896,
             "initializer_range": 0.02, "intermediate_size": 4864, "max_position_embeddings": 32768,
             "max_window_layers": 24, "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
            """),
    /** LLaMA-3.2-1B: 1.24B parameters, tied embeddings, llama3 rotary scaling, 128,256-token vocabulary. */
    LLAMA_3_2_1B("llama-3.2-1b", """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": false,
             "attention_dropout": 0.0, "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64,
             "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
             "max_position_embeddings": 131072, "mlp_bias": false, "num_attention_heads": 32,
             "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
             "vocab_size": 128256}
            """),
    /** LLaMA-3-8B: 8.03B parameters, untied head, 128,256-token vocabulary (16 GB in BF16). */
    LLAMA_3_8B("llama-3-8b", """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": false,
             "attention_dropout": 0.0, "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
             "max_position_embeddings": 8192, "mlp_bias": false, "num_attention_heads": 32, "num_hidden_layers": 32,
             "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
             "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true,
             "vocab_size": 128256}
            """),
    /** A LLaMA of 0.3M parameters (untied head, grouped-query attention) for tests. */
    TINY("tiny", """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": false,
             "hidden_act": "silu", "hidden_size": 64, "intermediate_size": 128, "max_position_embeddings": 512,
             "mlp_bias": false, "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
             "vocab_size": 1000}
            """);

    private final String cliName;
    private final String configJson;

    LlmShape(String cliName, String configJson) {
        this.cliName = cliName;
        this.configJson = configJson;
    }

    /**
     * The name on the command line.
     *
     * @return e.g. {@code qwen2.5-0.5b}
     */
    String cliName() {
        return cliName;
    }

    /**
     * The checkpoint's {@code config.json} text.
     *
     * @return JSON of a Hugging Face config
     */
    String configJson() {
        return configJson;
    }

    /**
     * The configuration as the loader reads it.
     *
     * @return the parsed {@link #configJson()}
     */
    LlamaConfig config() {
        return LlamaConfig.fromJson(configJson);
    }

    /**
     * The shape with a command-line name.
     *
     * @param name e.g. {@code llama-3.2-1b}, case-insensitive
     * @return the shape, or null when no shape has that name
     */
    static LlmShape byName(String name) {
        return Arrays.stream(values()).filter(s -> s.cliName.equalsIgnoreCase(name.trim())).findFirst().orElse(null);
    }

    /**
     * All command-line names, for messages.
     *
     * @return the names joined by {@code |}
     */
    static String names() {
        return String.join("|", Arrays.stream(values()).map(LlmShape::cliName).toList());
    }

    @Override
    public String toString() {
        return cliName.toLowerCase(Locale.ROOT);
    }
}
