package io.github.treelora.djl.models;

import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** The registered {@link ModelFamily}s (the service file lists them) and the lookup from a config to its family. */
public final class ModelFamilies {

    private static final List<ModelFamily> ALL = ServiceLoader.load(ModelFamily.class, ModelFamily.class
            .getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();

    private ModelFamilies() {}

    /**
     * Every registered family, in the order of the service file.
     *
     * @return the families
     */
    public static List<ModelFamily> all() {
        return ALL;
    }

    /**
     * The family of a checkpoint's config: {@code architectures[0]} decides, or {@code model_type} when the config
     * names no architecture.
     *
     * @param config the parsed {@code config.json}
     * @param configFile its path, for the message
     * @return the family
     * @throws IllegalArgumentException naming the file and listing what is supported, if no family loads it
     */
    public static ModelFamily forConfig(JsonNode config, Path configFile) {
        String arch = architecture(config);
        String type = config.path("model_type").asText("");
        for (ModelFamily f : ALL) {
            if (arch != null ? f.architectures().contains(arch) : f.modelTypes().contains(type)) {
                return f;
            }
        }
        TreeSet<String> supported = new TreeSet<>();
        ALL.forEach(f -> supported.addAll(f.architectures()));
        throw new IllegalArgumentException(configFile + ": unsupported "
                + (arch != null ? "architecture '" + arch + "'" : "model_type '" + type + "'")
                + " (supported: " + String.join(", ", supported) + ")");
    }

    /**
     * The family that builds models of {@code modelClass} ({@link ModelFamily#modelClasses}), for code that knows
     * which model it loads, for example to take the family's {@link ModelFamily#defaultLoraTargets()}.
     *
     * @param modelClass a model class such as {@code ViTModel.class}
     * @return the family
     * @throws IllegalArgumentException if no registered family builds it
     */
    public static ModelFamily of(Class<? extends Block> modelClass) {
        for (ModelFamily f : ALL) {
            if (f.modelClasses().stream().anyMatch(c -> c.isAssignableFrom(modelClass))) {
                return f;
            }
        }
        throw new IllegalArgumentException("no registered model family builds " + modelClass.getName());
    }

    /**
     * The config's {@code architectures[0]}.
     *
     * @param config the parsed {@code config.json}
     * @return the architecture, or {@code null} if the config names none
     */
    public static String architecture(JsonNode config) {
        JsonNode archs = config.get("architectures");
        return archs != null && archs.isArray() && archs.size() > 0 ? archs.get(0).asText() : null;
    }
}
