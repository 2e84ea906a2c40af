package io.github.treelora.djl.cl;

import ai.djl.nn.Parameter;
import io.github.treelora.djl.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The worked example of docs/architecture.md ("How to add a strategy"): LoRA-FA, one adapter whose A stays at its
 * random initialisation (frozen) while B trains through all tasks. Only B moves, so the adapter's output stays in
 * the span A fixed at the start.
 */
final class FrozenALora implements ContinualStrategy {

    static final String ADAPTER = "fa";

    private final LoraConfig lora;
    private StrategyContext context;

    FrozenALora(LoraConfig lora) {
        this.lora = lora;
    }

    @Override
    public String id() {
        return "lora-fa";
    }

    @Override
    public String name() {
        return "LoRA-FA";
    }

    @Override
    public Map<String, Object> settings() {
        return Map.of("lora", lora.toString());
    }

    @Override
    public void attach(StrategyContext context) {
        this.context = context;
    }

    @Override
    public void beforeTask(ContinualTask task, int index) {
        if (index == 0) {
            context.lora().addAdapter(ADAPTER, lora);
            context.lora().loraA(ADAPTER).values().forEach(a -> a.freeze(true));
        }
    }

    @Override
    public void afterTask(ContinualTask task, int index) {
        // Nothing to do between tasks: the same adapter keeps training its B.
    }

    @Override
    public void saveState(Path dir) {
        // The adapter (with which tensors train) is the whole state, and the trainer checkpoints it.
    }

    @Override
    public void loadState(Path dir, List<ContinualTask> finished) throws IOException {
        Map<String, Parameter> a = context.lora().loraA(ADAPTER);
        if (a.isEmpty() || a.values().stream().anyMatch(Parameter::requiresGradient)) {
            throw new IOException(dir + ": no adapter '" + ADAPTER + "' with a frozen A in the checkpoint");
        }
    }
}
