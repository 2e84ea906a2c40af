package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.github.treelora.djl.models.ModelFamily;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** ViT checkpoints: {@code ViTForImageClassification} with its head, {@code ViTModel} (or {@code vit}) without. */
public final class ViTFamily implements ModelFamily {

    @Override
    public String name() {
        return "ViT";
    }

    @Override
    public Set<String> architectures() {
        return Set.of("ViTForImageClassification", "ViTModel");
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("vit");
    }

    @Override
    public Block load(Path dir, String architecture, NDManager manager) {
        return "ViTForImageClassification".equals(architecture)
                ? ViTForImageClassification.fromPretrained(dir, manager) : ViTModel.fromPretrained(dir, manager);
    }

    @Override
    public List<String> defaultLoraTargets() {
        return List.of("query", "value");
    }
}
