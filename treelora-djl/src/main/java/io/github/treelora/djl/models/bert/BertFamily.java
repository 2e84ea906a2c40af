package io.github.treelora.djl.models.bert;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.github.treelora.djl.models.ModelFamily;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** BERT encoders ({@code BertModel}; the heads of {@code BertForMaskedLM} and {@code BertForPreTraining} are skipped). */
public final class BertFamily implements ModelFamily {

    @Override
    public String name() {
        return "BERT";
    }

    @Override
    public Set<String> architectures() {
        return Set.of("BertModel", "BertForMaskedLM", "BertForPreTraining");
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("bert");
    }

    @Override
    public Block load(Path dir, String architecture, NDManager manager) {
        return BertModel.fromPretrained(dir, manager);
    }

    @Override
    public List<String> defaultLoraTargets() {
        return List.of("query", "value");
    }
}
