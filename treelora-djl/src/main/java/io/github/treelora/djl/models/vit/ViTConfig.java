package io.github.treelora.djl.models.vit;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.djl.models.ConfigJson;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Hyper-parameters of a Vision Transformer, with the meaning of Hugging Face's {@code ViTConfig}.
 *
 * @param imageSize input height and width the position embeddings were made for
 * @param patchSize square patch side; {@code imageSize} must be a multiple of it
 * @param numChannels input channels (3 for RGB)
 * @param hiddenSize model width
 * @param numHiddenLayers number of encoder layers
 * @param numAttentionHeads heads per layer; divides {@code hiddenSize}
 * @param intermediateSize feed-forward width
 * @param layerNormEps LayerNorm epsilon (HF default 1e-12; torchvision's ViT uses 1e-6)
 * @param numLabels classes of the classification head
 * @param qkvBias whether query, key and value projections have biases
 * @param hiddenDropoutProb dropout after embeddings and projections (training only)
 * @param attentionProbsDropoutProb dropout on attention weights (training only)
 */
public record ViTConfig(
        int imageSize,
        int patchSize,
        int numChannels,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        float layerNormEps,
        int numLabels,
        boolean qkvBias,
        float hiddenDropoutProb,
        float attentionProbsDropoutProb) {

    /**
     * Validates the values.
     *
     * @param imageSize input height and width the position embeddings were made for
     * @param patchSize square patch side; {@code imageSize} must be a multiple of it
     * @param numChannels input channels (3 for RGB)
     * @param hiddenSize model width
     * @param numHiddenLayers number of encoder layers
     * @param numAttentionHeads heads per layer; divides {@code hiddenSize}
     * @param intermediateSize feed-forward width
     * @param layerNormEps LayerNorm epsilon (HF default 1e-12; torchvision's ViT uses 1e-6)
     * @param numLabels classes of the classification head
     * @param qkvBias whether query, key and value projections have biases
     * @param hiddenDropoutProb dropout after embeddings and projections (training only)
     * @param attentionProbsDropoutProb dropout on attention weights (training only)
     */
    public ViTConfig {
        ConfigJson.requirePositive("image_size", imageSize);
        ConfigJson.requirePositive("patch_size", patchSize);
        ConfigJson.requirePositive("num_channels", numChannels);
        ConfigJson.requirePositive("num_labels", numLabels);
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException(
                    "image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        ConfigJson.requireEncoderShape(hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize,
                layerNormEps, hiddenDropoutProb, attentionProbsDropoutProb);
    }

    /**
     * A ViT with Hugging Face's defaults for eps (1e-12), biases (on) and dropout (0).
     *
     * @param imageSize image side
     * @param patchSize patch side
     * @param hiddenSize width
     * @param layers encoder layers
     * @param heads attention heads
     * @param intermediateSize feed-forward width
     * @param numLabels classes
     * @return the config, with 3 channels
     */
    public static ViTConfig of(
            int imageSize, int patchSize, int hiddenSize, int layers, int heads, int intermediateSize, int numLabels) {
        return new ViTConfig(imageSize, patchSize, 3, hiddenSize, layers, heads, intermediateSize, 1e-12f,
                numLabels, true, 0f, 0f);
    }

    /**
     * ViT-Ti/16 (width 192, 12 layers, 3 heads, MLP 768).
     *
     * @param imageSize image side, a multiple of 16
     * @param numLabels classes
     * @return the config
     */
    public static ViTConfig tiny16(int imageSize, int numLabels) {
        return of(imageSize, 16, 192, 12, 3, 768, numLabels);
    }

    /**
     * ViT-S/16 (width 384, 12 layers, 6 heads, MLP 1536).
     *
     * @param imageSize image side, a multiple of 16
     * @param numLabels classes
     * @return the config
     */
    public static ViTConfig small16(int imageSize, int numLabels) {
        return of(imageSize, 16, 384, 12, 6, 1536, numLabels);
    }

    /**
     * ViT-B/16 (width 768, 12 layers, 12 heads, MLP 3072), {@code google/vit-base-patch16-224}'s shape.
     *
     * @param imageSize image side, a multiple of 16
     * @param numLabels classes
     * @return the config
     */
    public static ViTConfig base16(int imageSize, int numLabels) {
        return of(imageSize, 16, 768, 12, 12, 3072, numLabels);
    }

    /**
     * Patches per side at the configured image size.
     *
     * @return {@code imageSize / patchSize}
     */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /**
     * A copy with another number of labels (a new head on a pretrained backbone).
     *
     * @param labels the class count
     * @return the new config
     */
    public ViTConfig withNumLabels(int labels) {
        return new ViTConfig(imageSize, patchSize, numChannels, hiddenSize, numHiddenLayers, numAttentionHeads,
                intermediateSize, layerNormEps, labels, qkvBias, hiddenDropoutProb, attentionProbsDropoutProb);
    }

    /**
     * Reads a Hugging Face {@code config.json} of a ViT model.
     *
     * @param file the file
     * @return the config
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if a required key is missing or a value is invalid (named in the message)
     */
    public static ViTConfig fromJson(Path file) {
        return ConfigJson.readFile(file, "ViT", ViTConfig::fromJson);
    }

    /**
     * Parses the text of a Hugging Face ViT {@code config.json}. {@code num_labels} is taken from
     * {@code num_labels} if present, otherwise from the size of {@code id2label}, otherwise 2 (HF's default).
     * Only {@code hidden_act = "gelu"} is supported.
     *
     * @param json the JSON text
     * @return the config
     * @throws IllegalArgumentException if the JSON is malformed, a required key is missing or a value is invalid
     */
    public static ViTConfig fromJson(String json) {
        return fromJson(ConfigJson.parseObject(json, "ViT"));
    }

    /**
     * Parses a Hugging Face {@code config.json} already read as a JSON object, as {@link #fromJson(String)} does.
     *
     * @param root the config object
     * @return the configuration
     * @throws IllegalArgumentException if a key is missing or a value is invalid (named in the message)
     */
    public static ViTConfig fromJson(JsonNode root) {
        ConfigJson.requireModelType(root, "vit");
        ConfigJson.requireActivation(root, "gelu", "gelu");
        int labels;
        if (root.has("num_labels")) {
            labels = root.get("num_labels").asInt();
        } else if (root.has("id2label")) {
            labels = root.get("id2label").size();
        } else {
            labels = 2;
        }
        return new ViTConfig(
                ConfigJson.requiredInt(root, "image_size"),
                ConfigJson.requiredInt(root, "patch_size"),
                root.path("num_channels").asInt(3),
                ConfigJson.requiredInt(root, "hidden_size"),
                ConfigJson.requiredInt(root, "num_hidden_layers"),
                ConfigJson.requiredInt(root, "num_attention_heads"),
                ConfigJson.requiredInt(root, "intermediate_size"),
                (float) root.path("layer_norm_eps").asDouble(1e-12),
                labels,
                root.path("qkv_bias").asBoolean(true),
                (float) root.path("hidden_dropout_prob").asDouble(0.0),
                (float) root.path("attention_probs_dropout_prob").asDouble(0.0));
    }
}
