package io.github.treelora.djl.models;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A family of Hugging Face checkpoints this library can build and load (ViT, BERT, the LLaMA-architecture
 * decoders, ...). Families are registered in one list, the service file
 * {@code META-INF/services/io.github.treelora.djl.models.ModelFamily}, and {@link HfCheckpoint#load} dispatches
 * through {@link ModelFamilies}; this package never imports a family's package, so adding one edits no closed code.
 */
public interface ModelFamily {

    /**
     * A short name for messages and listings.
     *
     * @return the name, e.g. {@code "ViT"}
     */
    String name();

    /**
     * The {@code architectures[0]} values of the checkpoints this family loads.
     *
     * @return class names such as {@code ViTForImageClassification}
     */
    Set<String> architectures();

    /**
     * The {@code model_type} values this family loads when a config names no architecture.
     *
     * @return model types such as {@code vit}
     */
    Set<String> modelTypes();

    /**
     * The classes of the models this family builds (what {@link #load} returns), so that code knowing which model
     * it loads finds the family ({@link ModelFamilies#of}), for example for its {@link #defaultLoraTargets()}.
     *
     * @return model classes such as {@code ViTModel}
     */
    Set<Class<? extends Block>> modelClasses();

    /**
     * Builds the model a checkpoint describes and loads its weights, all or nothing (see {@link HfCheckpoint}).
     *
     * @param dir the checkpoint directory
     * @param config its {@code config.json}, already parsed (read once per load); {@link ModelFamilies#architecture}
     *     gives its {@code architectures[0]}
     * @param manager parent of the manager that will own the parameters
     * @return the loaded model
     * @throws IllegalArgumentException if the config or weights are invalid (naming the file and key)
     */
    Block load(Path dir, JsonNode config, NDManager manager);

    /**
     * The module names LoRA targets by default for this family, as PEFT's per-model table names them.
     *
     * @return module names, e.g. {@code [query, value]}
     */
    List<String> defaultLoraTargets();
}
