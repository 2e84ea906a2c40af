package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.djl.models.BaseModelFamily;
import io.github.treelora.djl.models.ConfigJson;
import io.github.treelora.djl.models.HfCheckpoint;
import io.github.treelora.djl.models.ModelFamilies;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** ViT checkpoints: {@code ViTForImageClassification} with its head, {@code ViTModel} (or {@code vit}) without. */
public final class ViTFamily extends BaseModelFamily {

    /** Creates the family (the service loader calls this). */
    public ViTFamily() {
        super("ViT", Set.of("ViTForImageClassification", "ViTModel"), Set.of("vit"), List.of("query", "value"),
                Set.of(ViTForImageClassification.class, ViTModel.class));
    }

    @Override
    public Block load(Path dir, JsonNode config, NDManager manager) {
        ViTConfig parsed = ConfigJson.parse(HfCheckpoint.configFile(dir), config, ViTConfig::fromJson);
        return "ViTForImageClassification".equals(ModelFamilies.architecture(config))
                ? ViTForImageClassification.fromPretrained(dir, parsed, manager)
                : ViTModel.fromPretrained(dir, parsed, manager);
    }
}
