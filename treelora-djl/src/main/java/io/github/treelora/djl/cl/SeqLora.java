package io.github.treelora.djl.cl;

import io.github.treelora.djl.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * SeqLoRA (spec section 4): one LoRA adapter, {@value #ADAPTER}, added before the first task and trained
 * through all tasks with no protection against forgetting: the lower bound of the comparison.
 */
public final class SeqLora implements ContinualStrategy {

    /** The adapter's name. */
    public static final String ADAPTER = "seq";

    private final LoraConfig lora;
    private StrategyContext context;

    /**
     * The strategy.
     *
     * @param lora targets, rank and alpha of the adapter
     */
    public SeqLora(LoraConfig lora) {
        this.lora = Objects.requireNonNull(lora, "lora");
    }

    /** The strategy's {@link #id()}. */
    public static final String ID = "seqlora";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String name() {
        return "SeqLoRA";
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lora", lora.toString());
        return m;
    }

    @Override
    public void attach(StrategyContext context) {
        this.context = context;
    }

    @Override
    public void beforeTask(ContinualTask task, int index) {
        if (!context.lora().adapterNames().contains(ADAPTER)) {
            context.lora().addAdapter(ADAPTER, lora);
        }
    }

    @Override
    public void afterTask(ContinualTask task, int index) {
        // Nothing to protect: the same adapter keeps training on the next task.
    }

    @Override
    public void saveState(Path dir) throws IOException {
        // The adapter is the whole state and the trainer saves it; write a marker for readers.
        Files.writeString(dir.resolve("seqlora.txt"), "adapter " + ADAPTER + "\n");
    }

    @Override
    public void loadState(Path dir, List<ContinualTask> finished) throws IOException {
        if (!context.lora().adapterNames().contains(ADAPTER)) {
            throw new IOException(dir + ": the checkpoint has no adapter '" + ADAPTER + "'");
        }
    }
}
