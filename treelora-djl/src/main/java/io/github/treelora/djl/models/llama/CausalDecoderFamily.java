package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.djl.models.BaseModelFamily;
import io.github.treelora.djl.models.ConfigJson;
import io.github.treelora.djl.models.HfCheckpoint;
import io.github.treelora.djl.models.ModelFamilies;
import io.github.treelora.djl.models.WeightStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The LLaMA-architecture causal decoders of {@link DecoderFamily#ALL}, loaded as {@link LlamaForCausalLM}. */
public final class CausalDecoderFamily extends BaseModelFamily {

    /** Creates the family (the service loader calls this). */
    public CausalDecoderFamily() {
        super("LLaMA-architecture decoder",
                DecoderFamily.ALL.stream().map(DecoderFamily::architecture).collect(Collectors.toSet()),
                DecoderFamily.ALL.stream().map(DecoderFamily::modelType).collect(Collectors.toSet()),
                List.of("q_proj", "v_proj"), Set.of(LlamaForCausalLM.class));
    }

    @Override
    public Block load(Path dir, JsonNode config, NDManager manager) {
        Path configFile = HfCheckpoint.configFile(dir);
        String architecture = ModelFamilies.architecture(config);
        if (architecture != null) {
            String type = config.path("model_type").asText("");
            DecoderFamily family = DecoderFamily.require(type);
            if (!family.architecture().equals(architecture)) {
                throw new IllegalArgumentException(configFile + ": architecture " + architecture
                        + " does not match model_type '" + type + "' (" + family.architecture() + ")");
            }
        }
        return LlamaForCausalLM.fromPretrained(dir, ConfigJson.parse(configFile, config, LlamaConfig::fromJson),
                manager, WeightStorage.FLOAT32);
    }
}
