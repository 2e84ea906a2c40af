package io.github.treelora.djl.models.bert;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.djl.models.BaseModelFamily;
import io.github.treelora.djl.models.ConfigJson;
import io.github.treelora.djl.models.HfCheckpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** BERT encoders ({@code BertModel}; the heads of {@code BertForMaskedLM} and {@code BertForPreTraining} are skipped). */
public final class BertFamily extends BaseModelFamily {

    /** Creates the family (the service loader calls this). */
    public BertFamily() {
        super("BERT", Set.of("BertModel", "BertForMaskedLM", "BertForPreTraining"), Set.of("bert"),
                List.of("query", "value"), Set.of(BertModel.class));
    }

    @Override
    public Block load(Path dir, JsonNode config, NDManager manager) {
        return BertModel.fromPretrained(dir, ConfigJson.parse(HfCheckpoint.configFile(dir), config,
                BertConfig::fromJson), manager);
    }
}
