package io.github.treelora.examples.backbone;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.djl.cl.Backbone;
import io.github.treelora.djl.cl.PooledBackbone;
import io.github.treelora.djl.models.HostTensor;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.TensorSource;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.models.vit.ViTModel;
import io.github.treelora.io.AtomicFile;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsWriter;
import io.github.treelora.io.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads the project's self-pretrained ViT backbones in the Hugging Face layout: {@code
 * config.json} ({@code ViTForImageClassification}), {@code model.safetensors} (float32 weights by
 * state-dict name: {@code vit.embeddings...}, {@code vit.encoder.layer.N...}, {@code vit.layernorm...},
 * {@code classifier...}), {@code preprocessor_config.json} and the {@link BackboneCard}.
 *
 * <p>The backbone shipped with the project lives on the class path under {@value #SHIPPED_RESOURCE}.
 */
public final class Backbones {
    /** Class-path folder of the shipped backbone (Fashion-MNIST, see its card). */
    public static final String SHIPPED_RESOURCE = "backbones/vit-fashion-mnist";

    /** The files of a backbone directory, in the order they are written. */
    public static final List<String> FILES = List.of("config.json", "preprocessor_config.json",
            "model.safetensors", BackboneCard.FILE_NAME);

    private static final ObjectMapper JSON = new ObjectMapper();

    private Backbones() {}

    /**
     * Writes a trained classifier, its config and its card into {@code dir} (created if needed; files of
     * the same names are replaced, each atomically for the weights).
     *
     * @param dir the output directory
     * @param model the trained model (float32, initialized)
     * @param classNames the label names, index = class id
     * @param card the provenance card
     * @throws IOException if a file cannot be written
     */
    public static void save(Path dir, ViTForImageClassification model, List<String> classNames, BackboneCard card)
            throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter writer = new SafetensorsWriter().putMetadata("format", "pt");
        for (Map.Entry<String, HostTensor> e : StateDict.snapshot(model).entrySet()) {
            writer.putFloats(e.getKey(), e.getValue().shape(), e.getValue().data());
        }
        writer.write(dir.resolve("model.safetensors"));
        writeJson(dir.resolve("config.json"), hfConfig(model.config(), classNames));
        ObjectNode pre = JSON.createObjectNode();
        pre.put("image_processor_type", "ViTImageProcessor");
        pre.put("do_rescale", true);
        pre.put("rescale_factor", 1.0 / 255);
        pre.put("do_normalize", true);
        pre.putArray("image_mean").add(PixelBatches.MEAN);
        pre.putArray("image_std").add(PixelBatches.STD);
        pre.put("do_resize", false);
        writeJson(dir.resolve("preprocessor_config.json"), pre);
        writeJson(dir.resolve(BackboneCard.FILE_NAME), JSON.valueToTree(card));
    }

    /**
     * The Hugging Face {@code config.json} of a {@code ViTForImageClassification}.
     *
     * @param c the config
     * @param classNames label names
     * @return the JSON object
     */
    static ObjectNode hfConfig(ViTConfig c, List<String> classNames) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("ViTForImageClassification");
        o.put("model_type", "vit");
        o.put("image_size", c.imageSize());
        o.put("patch_size", c.patchSize());
        o.put("num_channels", c.numChannels());
        o.put("hidden_size", c.hiddenSize());
        o.put("num_hidden_layers", c.numHiddenLayers());
        o.put("num_attention_heads", c.numAttentionHeads());
        o.put("intermediate_size", c.intermediateSize());
        o.put("hidden_act", "gelu");
        o.put("layer_norm_eps", c.layerNormEps());
        o.put("qkv_bias", c.qkvBias());
        o.put("hidden_dropout_prob", c.hiddenDropoutProb());
        o.put("attention_probs_dropout_prob", c.attentionProbsDropoutProb());
        o.put("num_labels", c.numLabels());
        ObjectNode id2label = o.putObject("id2label");
        ObjectNode label2id = o.putObject("label2id");
        for (int i = 0; i < classNames.size(); i++) {
            id2label.put(Integer.toString(i), classNames.get(i));
            label2id.put(classNames.get(i), i);
        }
        o.put("torch_dtype", "float32");
        return o;
    }

    /**
     * Reads a backbone directory's card.
     *
     * @param dir the directory
     * @return the card
     * @throws IOException if the card is missing or malformed (the message names the file)
     */
    public static BackboneCard readCard(Path dir) throws IOException {
        Path file = dir.resolve(BackboneCard.FILE_NAME);
        try {
            return JSON.readValue(file.toFile(), BackboneCard.class);
        } catch (IOException e) {
            throw new IOException("cannot read backbone card " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads the ViT backbone ({@code vit.*} weights; the pretraining classifier is dropped) of a backbone
     * directory, strictly: every backbone parameter must be present with its shape.
     *
     * @param dir a directory written by {@link #save}
     * @param manager the manager that will own the parameters
     * @return the initialized backbone
     * @throws IOException if a file is missing or unreadable
     * @throws IllegalArgumentException if the config is invalid or a weight is missing or misshaped (named)
     */
    public static ViTModel loadBackbone(Path dir, NDManager manager) throws IOException {
        ViTModel model = new ViTModel(ViTConfig.fromJson(requireFile(dir, "config.json")));
        Map<String, HostTensor> tensors = readTensors(dir, "vit.");
        model.initialize(manager, DataType.FLOAT32, model.inputShape());
        StateDict.load(model, TensorSource.of(tensors));
        return model;
    }

    /**
     * The backbone of the continual-learning jobs: the ViT of a backbone directory ({@link #loadBackbone}) with its
     * cls-token output as the features.
     *
     * @param dir a directory written by {@link #save}
     * @param manager the manager that will own the parameters
     * @return the backbone, named after the directory
     * @throws IOException if a file is missing or unreadable
     * @throws IllegalArgumentException if the config is invalid or a weight is missing or misshaped (named)
     */
    public static Backbone pooledBackbone(Path dir, NDManager manager) throws IOException {
        ViTModel vit = loadBackbone(dir, manager);
        return new Backbone("self-pretrained ViT (" + dir.getFileName() + ")",
                new PooledBackbone("vit", vit, PooledBackbone.Pooling.CLS_TOKEN), vit.config().hiddenSize());
    }

    /**
     * Loads the whole pretraining classifier (backbone and 10-class head) of a backbone directory, strictly.
     *
     * @param dir a directory written by {@link #save}
     * @param manager the manager that will own the parameters
     * @return the initialized classifier
     * @throws IOException if a file is missing or unreadable
     * @throws IllegalArgumentException if the config is invalid or a weight is missing or misshaped (named)
     */
    public static ViTForImageClassification loadClassifier(Path dir, NDManager manager) throws IOException {
        ViTForImageClassification model = new ViTForImageClassification(
                ViTConfig.fromJson(requireFile(dir, "config.json")));
        Map<String, HostTensor> tensors = readTensors(dir, "");
        model.initialize(manager, DataType.FLOAT32, model.inputShape());
        StateDict.load(model, TensorSource.of(tensors));
        return model;
    }

    /** The tensors of {@code dir/model.safetensors} whose names start with {@code prefix}, prefix removed. */
    private static Map<String, HostTensor> readTensors(Path dir, String prefix) throws IOException {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(requireFile(dir, "model.safetensors"))) {
            for (TensorInfo t : file.tensors()) {
                if (t.name().startsWith(prefix)) {
                    tensors.put(t.name().substring(prefix.length()),
                            new HostTensor(t.shape(), file.readFloats(t.name())));
                }
            }
        }
        return tensors;
    }

    private static Path requireFile(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IOException("backbone file " + p + " is missing");
        }
        return p;
    }

    /**
     * The directory of the backbone shipped on the class path. Run from {@code target/classes} it is used
     * in place; from a jar its files are copied into a new temporary directory.
     *
     * @return the directory
     * @throws IOException if the resource is absent or cannot be copied
     */
    public static Path shipped() throws IOException {
        return shipped(SHIPPED_RESOURCE, FILES, "pretrain-backbone");
    }

    /**
     * The directory of a model shipped on the class path (used in place from {@code target/classes}, copied into
     * a new temporary directory from a jar).
     *
     * @param resource the class-path folder
     * @param files the files of the folder ({@code config.json} among them)
     * @param command the {@code treelora} subcommand that creates it (named in the error)
     * @return the directory
     * @throws IOException if the resource is absent or cannot be copied
     */
    public static Path shipped(String resource, List<String> files, String command) throws IOException {
        URL url = Backbones.class.getClassLoader().getResource(resource + "/config.json");
        if (url == null) {
            throw new IOException("the shipped model " + resource + " is not on the class path; "
                    + "create it with: treelora " + command + " --output treelora-examples/src/main/resources/"
                    + resource);
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new IOException("bad resource URL " + url, e);
            }
        }
        // From a jar (the treelora launcher): a copy that lives as long as the JVM.
        Path dir = Files.createTempDirectory("treelora-backbone");
        dir.toFile().deleteOnExit();
        for (String name : files) {
            dir.resolve(name).toFile().deleteOnExit();
            try (InputStream in = Backbones.class.getClassLoader().getResourceAsStream(resource + "/" + name)) {
                if (in == null) {
                    throw new IOException("shipped model file " + resource + "/" + name + " is missing");
                }
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    private static void writeJson(Path file, Object value) throws IOException {
        AtomicFile.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
    }
}
