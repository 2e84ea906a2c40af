package io.github.treelora.djl.models.bert;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.djl.models.ConfigJson;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Hyper-parameters of a BERT encoder, with the meaning of Hugging Face's {@code BertConfig}.
 *
 * @param vocabSize word-piece vocabulary size
 * @param hiddenSize model width
 * @param numHiddenLayers encoder layers
 * @param numAttentionHeads heads per layer; divides {@code hiddenSize}
 * @param intermediateSize feed-forward width
 * @param maxPositionEmbeddings longest sequence
 * @param typeVocabSize number of token types (segments)
 * @param layerNormEps LayerNorm epsilon (1e-12 for BERT)
 * @param hiddenDropoutProb dropout after embeddings and projections (training only)
 * @param attentionProbsDropoutProb dropout on attention weights (training only)
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        int maxPositionEmbeddings,
        int typeVocabSize,
        float layerNormEps,
        float hiddenDropoutProb,
        float attentionProbsDropoutProb) {

    /**
     * Validates the values.
     *
     * @param vocabSize word-piece vocabulary size
     * @param hiddenSize model width
     * @param numHiddenLayers encoder layers
     * @param numAttentionHeads heads per layer; divides {@code hiddenSize}
     * @param intermediateSize feed-forward width
     * @param maxPositionEmbeddings longest sequence
     * @param typeVocabSize number of token types (segments)
     * @param layerNormEps LayerNorm epsilon (1e-12 for BERT)
     * @param hiddenDropoutProb dropout after embeddings and projections (training only)
     * @param attentionProbsDropoutProb dropout on attention weights (training only)
     */
    public BertConfig {
        ConfigJson.requirePositive("vocab_size", vocabSize);
        ConfigJson.requirePositive("max_position_embeddings", maxPositionEmbeddings);
        ConfigJson.requirePositive("type_vocab_size", typeVocabSize);
        ConfigJson.requireEncoderShape(hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize,
                layerNormEps, hiddenDropoutProb, attentionProbsDropoutProb);
    }

    /**
     * The configuration of sentence-transformers' all-MiniLM-L6-v2 (from its config.json: 6 layers, width 384,
     * 12 heads, FFN 1536, vocabulary 30522, 512 positions, 2 token types, eps 1e-12, dropout 0.1).
     *
     * @return the config
     */
    public static BertConfig allMiniLmL6V2() {
        return new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f, 0.1f, 0.1f);
    }

    /**
     * Reads a Hugging Face BERT {@code config.json}.
     *
     * @param file the file
     * @return the config
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if a key is missing or a value is invalid (named in the message)
     */
    public static BertConfig fromJson(Path file) {
        return ConfigJson.readFile(file, "BERT", BertConfig::fromJson);
    }

    /**
     * Parses the text of a Hugging Face BERT {@code config.json}; only {@code hidden_act = "gelu"} and
     * {@code position_embedding_type = "absolute"} are supported.
     *
     * @param json the JSON text
     * @return the config
     * @throws IllegalArgumentException if the JSON is malformed, a key is missing or a value is invalid
     */
    public static BertConfig fromJson(String json) {
        return fromJson(ConfigJson.parseObject(json, "BERT"));
    }

    /**
     * Parses a Hugging Face {@code config.json} already read as a JSON object, as {@link #fromJson(String)} does.
     *
     * @param root the config object
     * @return the configuration
     * @throws IllegalArgumentException if a key is missing or a value is invalid (named in the message)
     */
    public static BertConfig fromJson(JsonNode root) {
        ConfigJson.requireModelType(root, "bert");
        ConfigJson.requireActivation(root, "gelu", "gelu");
        String pos = root.path("position_embedding_type").asText("absolute");
        if (!"absolute".equals(pos)) {
            throw new IllegalArgumentException("unsupported position_embedding_type '" + pos + "'");
        }
        return new BertConfig(
                ConfigJson.requiredInt(root, "vocab_size"),
                ConfigJson.requiredInt(root, "hidden_size"),
                ConfigJson.requiredInt(root, "num_hidden_layers"),
                ConfigJson.requiredInt(root, "num_attention_heads"),
                ConfigJson.requiredInt(root, "intermediate_size"),
                root.path("max_position_embeddings").asInt(512),
                root.path("type_vocab_size").asInt(2),
                (float) root.path("layer_norm_eps").asDouble(1e-12),
                (float) root.path("hidden_dropout_prob").asDouble(0.1),
                (float) root.path("attention_probs_dropout_prob").asDouble(0.1));
    }
}
