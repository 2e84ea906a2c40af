package io.github.treelora.djl.models;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Loads Hugging Face checkpoint directories ({@code config.json} plus {@code model.safetensors} or a sharded
 * {@code model.safetensors.index.json}) into the project's DJL models.
 *
 * <p>{@link #load(Path, NDManager)} picks the model's {@link ModelFamily} from {@code config.json}; the per-model
 * methods ({@code ViTForImageClassification.fromPretrained}, {@code ViTModel.fromPretrained},
 * {@code BertModel.fromPretrained}, {@code LlamaForCausalLM.fromPretrained}) return typed models. All of them
 * return a ready model or throw: the parameters are created in a sub-manager of the given manager, which is
 * closed again if the weights fail to load, so no partially loaded model and no orphaned native memory remain.
 */
public final class HfCheckpoint {

    private HfCheckpoint() {}

    /**
     * Loads the model described by {@code dir/config.json}: {@code architectures[0]} (or {@code model_type} when
     * absent) selects the registered {@link ModelFamily} ({@link ModelFamilies}): ViT
     * ({@code ViTForImageClassification}, {@code ViTModel}), BERT ({@code BertModel}, {@code BertForMaskedLM},
     * {@code BertForPreTraining}: the encoder, heads are skipped) or the LLaMA-architecture decoders
     * ({@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code MistralForCausalLM}, {@code GemmaForCausalLM}).
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @return the loaded model, ready for inference or training
     * @throws IllegalArgumentException if the config names an unsupported architecture, or the config or
     *     weights are invalid (the message names the file and key)
     * @throws UncheckedIOException if a file cannot be read
     */
    public static Block load(Path dir, NDManager manager) {
        Path configFile = configFile(dir);
        JsonNode config = readConfig(configFile);
        return ModelFamilies.forConfig(config, configFile).load(dir, config, manager);
    }

    /**
     * The shared steps of every {@code fromPretrained}, with float32 weights:
     * {@link #loadInto(Path, NDManager, Block, WeightStorage, Consumer, BiConsumer)}.
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @param model the freshly built, uninitialized model
     * @param initialize creates the parameters in the given manager
     * @param loadWeights copies the weights into the model (for example {@link StateDict#load})
     * @param <M> the model type
     * @return {@code model}, loaded
     * @throws IllegalArgumentException if the weights are invalid
     * @throws UncheckedIOException if a file cannot be read
     */
    public static <M extends Block> M loadInto(Path dir, NDManager manager, M model, Consumer<NDManager> initialize,
            BiConsumer<M, TensorSource> loadWeights) {
        return loadInto(dir, manager, model, WeightStorage.FLOAT32, initialize, loadWeights);
    }

    /**
     * The shared steps of every {@code fromPretrained}: open the weights of {@code dir}
     * ({@link SafetensorsTensorSource#open}, which validates every header first), create the parameters of
     * {@code model} uninitialized in a new sub-manager of {@code manager} (no random draw, no memory touched;
     * matrices in {@code storage}'s type, see {@link #prepareForLoading}) and load them with
     * {@code loadWeights}; on any failure the sub-manager (and so every parameter array) is closed before the
     * exception propagates.
     *
     * @param dir the checkpoint directory
     * @param manager parent of the manager that will own the parameters
     * @param model the freshly built, uninitialized model
     * @param storage the element type of weight matrices
     * @param initialize creates the parameters in the given manager
     * @param loadWeights copies the weights into the model (for example {@link StateDict#loadStreaming})
     * @param <M> the model type
     * @return {@code model}, loaded
     * @throws IllegalArgumentException if the weights are invalid
     * @throws UncheckedIOException if a file cannot be read
     */
    public static <M extends Block> M loadInto(Path dir, NDManager manager, M model, WeightStorage storage,
            Consumer<NDManager> initialize, BiConsumer<M, TensorSource> loadWeights) {
        try (SafetensorsTensorSource weights = SafetensorsTensorSource.open(dir)) {
            NDManager owner = manager.newSubManager();
            try {
                prepareForLoading(model, storage);
                initialize.accept(owner);
                loadWeights.accept(model, weights);
                return model;
            } catch (RuntimeException | Error e) {
                owner.close();
                throw e;
            }
        }
    }

    /**
     * Makes every parameter of {@code model} start uninitialized (memory reserved, never written: values that a
     * checkpoint overwrites need neither a random draw nor zeroing), with parameters of two or more dimensions in
     * {@code storage}'s element type and the others in float32. Every parameter must then be loaded.
     *
     * @param model a model about to be initialized and loaded
     * @param storage the element type of weight matrices
     */
    public static void prepareForLoading(Block model, WeightStorage storage) {
        Initializer uninitialized = (m, shape, dataType) -> m.create(shape, storage.dataTypeFor(shape));
        for (Parameter.Type type : Parameter.Type.values()) {
            model.setInitializer(uninitialized, type);
        }
    }

    /**
     * Makes every parameter of {@code model} start as zeros: values that a checkpoint overwrites need no random
     * draw (for a 1 GB LLaMA the normal initializer took about as long as reading the file).
     *
     * @param model a model about to be initialized and loaded
     */
    public static void skipRandomInitialization(Block model) {
        for (Parameter.Type type : Parameter.Type.values()) {
            model.setInitializer(Initializer.ZEROS, type);
        }
    }

    /**
     * The {@code config.json} of a checkpoint directory.
     *
     * @param dir the checkpoint directory
     * @return {@code dir/config.json}
     * @throws IllegalArgumentException if it does not exist
     */
    public static Path configFile(Path dir) {
        Path file = dir.resolve("config.json");
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": config file does not exist");
        }
        return file;
    }

    /**
     * Reads a {@code config.json} as a JSON object.
     *
     * @param configFile the file
     * @return its root object
     * @throws IllegalArgumentException if the file is absent or not a JSON object
     * @throws UncheckedIOException if it cannot be read
     */
    public static JsonNode readConfig(Path configFile) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(configFile.toFile());
        } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(configFile + ": config file does not exist", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(configFile + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configFile, e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(configFile + ": config must be a JSON object");
        }
        return root;
    }

    /**
     * A view of a base model's checkpoint for loading into the base model: when the checkpoint was saved from a
     * model with a head, its backbone keys carry {@code prefix} (for example {@code "vit."} or {@code "bert."})
     * and the prefix is stripped; otherwise the source is returned as is.
     *
     * @param source the checkpoint
     * @param prefix the backbone prefix, ending with a dot
     * @return the source with backbone keys at the top level
     */
    public static TensorSource stripPrefix(TensorSource source, String prefix) {
        boolean prefixed = source.names().stream().anyMatch(n -> n.startsWith(prefix));
        return prefixed ? source.renamed(n -> n.startsWith(prefix) ? n.substring(prefix.length()) : n) : source;
    }
}
