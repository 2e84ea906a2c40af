package io.github.treelora.djl.models;

import ai.djl.nn.Block;
import java.util.List;
import java.util.Set;

/**
 * A {@link ModelFamily} whose name, architectures, model types, default LoRA targets and model classes are fixed
 * values; a family then only says how it loads.
 */
public abstract class BaseModelFamily implements ModelFamily {

    private final String name;
    private final Set<String> architectures;
    private final Set<String> modelTypes;
    private final List<String> defaultLoraTargets;
    private final Set<Class<? extends Block>> modelClasses;

    /**
     * Creates the family.
     *
     * @param name a short name for messages
     * @param architectures the {@code architectures[0]} values it loads
     * @param modelTypes the {@code model_type} values it loads when a config names no architecture
     * @param defaultLoraTargets the module names LoRA targets by default
     * @param modelClasses the classes of the models it builds
     */
    protected BaseModelFamily(String name, Set<String> architectures, Set<String> modelTypes,
            List<String> defaultLoraTargets, Set<Class<? extends Block>> modelClasses) {
        this.name = name;
        this.architectures = Set.copyOf(architectures);
        this.modelTypes = Set.copyOf(modelTypes);
        this.defaultLoraTargets = List.copyOf(defaultLoraTargets);
        this.modelClasses = Set.copyOf(modelClasses);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> architectures() {
        return architectures;
    }

    @Override
    public Set<String> modelTypes() {
        return modelTypes;
    }

    @Override
    public List<String> defaultLoraTargets() {
        return defaultLoraTargets;
    }

    @Override
    public Set<Class<? extends Block>> modelClasses() {
        return modelClasses;
    }
}
