package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.github.treelora.djl.models.BaseModelFamily;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** ViT checkpoints: {@code ViTForImageClassification} with its head, {@code ViTModel} (or {@code vit}) without. */
public final class ViTFamily extends BaseModelFamily {

    /** Creates the family (the service loader calls this). */
    public ViTFamily() {
        super("ViT", Set.of("ViTForImageClassification", "ViTModel"), Set.of("vit"), List.of("query", "value"));
    }

    @Override
    public Block load(Path dir, String architecture, NDManager manager) {
        return "ViTForImageClassification".equals(architecture)
                ? ViTForImageClassification.fromPretrained(dir, manager) : ViTModel.fromPretrained(dir, manager);
    }
}
