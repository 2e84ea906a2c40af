package io.github.treelora.djl.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Shared parsing and validation for Hugging Face {@code config.json} files, so every model config reports
 * problems the same way: the file, then the key and what is wrong with it.
 */
public final class ConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigJson() {}

    /**
     * Reads a config file and parses it, prefixing parse errors with the file.
     *
     * @param file the config.json
     * @param what the model family, for messages ("ViT", "BERT", ...)
     * @param parser parses the JSON text
     * @param <T> config type
     * @return the parsed config
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if the content is invalid (the message names the file)
     */
    public static <T> T readFile(Path file, String what, Function<String, T> parser) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " config " + file, e);
        }
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses an already read config, prefixing its errors with the file, as {@link #readFile} does.
     *
     * @param file the config.json the object was read from, for messages
     * @param root its root object
     * @param parser parses the object
     * @param <T> config type
     * @return the parsed config
     * @throws IllegalArgumentException if the content is invalid (the message names the file)
     */
    public static <T> T parse(Path file, JsonNode root, Function<JsonNode, T> parser) {
        try {
            return parser.apply(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses JSON text that must be an object.
     *
     * @param json the text
     * @param what the model family, for messages
     * @return the root object
     * @throws IllegalArgumentException if the text is not a JSON object
     */
    public static JsonNode parseObject(String json, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed " + what + " config JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(what + " config must be a JSON object");
        }
        return root;
    }

    /**
     * A required integer field.
     *
     * @param root the config object
     * @param key the field
     * @return its value
     * @throws IllegalArgumentException if absent or not an integer
     */
    public static int requiredInt(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt()) {
            throw new IllegalArgumentException("config key '" + key + "' is missing or not an integer");
        }
        return n.asInt();
    }

    /**
     * An optional integer field.
     *
     * @param root the config object
     * @param key the field
     * @param fallback value when absent or null
     * @return its value
     * @throws IllegalArgumentException if present but not an integer
     */
    public static int optionalInt(JsonNode root, String key, int fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt()) {
            throw new IllegalArgumentException("config key '" + key + "' is not an integer: " + n);
        }
        return n.asInt();
    }

    /**
     * A required string field.
     *
     * @param root the config object
     * @param key the field
     * @return its value
     * @throws IllegalArgumentException if absent or not a string
     */
    public static String requiredText(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("config key '" + key + "' is missing or not a string");
        }
        return n.asText();
    }

    /**
     * Checks {@code value > 0}.
     *
     * @param key the field, for the message
     * @param value the value
     */
    public static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }

    /**
     * Checks the fields every Transformer encoder config shares (BERT, ViT): positive sizes, a width that the
     * heads divide, a positive LayerNorm epsilon and dropout probabilities in [0, 1).
     *
     * @param hiddenSize {@code hidden_size}
     * @param numHiddenLayers {@code num_hidden_layers}
     * @param numAttentionHeads {@code num_attention_heads}
     * @param intermediateSize {@code intermediate_size}
     * @param layerNormEps {@code layer_norm_eps}
     * @param hiddenDropoutProb {@code hidden_dropout_prob}
     * @param attentionProbsDropoutProb {@code attention_probs_dropout_prob}
     */
    public static void requireEncoderShape(int hiddenSize, int numHiddenLayers, int numAttentionHeads,
            int intermediateSize, float layerNormEps, float hiddenDropoutProb, float attentionProbsDropoutProb) {
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("intermediate_size", intermediateSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        }
        requireProbability("hidden_dropout_prob", hiddenDropoutProb);
        requireProbability("attention_probs_dropout_prob", attentionProbsDropoutProb);
    }

    /**
     * Checks {@code 0 <= value < 1}.
     *
     * @param key the field, for the message
     * @param value the value
     */
    public static void requireProbability(String key, float value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(key + " must be in [0, 1), got " + value);
        }
    }

    /**
     * Checks that {@code hidden_act} (absent means {@code fallback}) is the one activation a model implements.
     *
     * @param root the config object
     * @param fallback the family's default activation
     * @param supported the only supported activation
     */
    public static void requireActivation(JsonNode root, String fallback, String supported) {
        String act = root.path("hidden_act").asText(fallback);
        if (!supported.equals(act)) {
            throw new IllegalArgumentException("unsupported hidden_act '" + act + "' (only \"" + supported + "\")");
        }
    }

    /**
     * Checks that {@code model_type}, when present, names the family being loaded: a config of another family
     * would otherwise be read field by field and give a model that computes something else.
     *
     * @param root the config object
     * @param family the {@code model_type} this reader understands
     * @throws IllegalArgumentException if {@code model_type} is present and different
     */
    public static void requireModelType(JsonNode root, String family) {
        JsonNode type = root.get("model_type");
        if (type != null && !type.isNull() && !family.equals(type.asText())) {
            throw new IllegalArgumentException("model_type is '" + type.asText() + "', but this is the " + family
                    + " loader (the checkpoint belongs to another model family)");
        }
    }
}
