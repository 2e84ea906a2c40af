package io.github.treelora.djl.cl;

import io.github.treelora.djl.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * SeqLoRA (spec section 4): one LoRA adapter, {@value #ADAPTER}, added before the first task and trained
 * through all tasks with no protection against forgetting: the lower bound of the comparison.
 */
public final class SeqLora extends LoraStrategy {

    /** The adapter's name. */
    public static final String ADAPTER = "seq";

    /**
     * The strategy.
     *
     * @param lora targets, rank and alpha of the adapter
     */
    public SeqLora(LoraConfig lora) {
        super(Objects.requireNonNull(lora, "lora"), ID, "SeqLoRA");
    }

    /** The strategy's {@link #id()}. */
    public static final String ID = "seqlora";

    @Override
    public void beforeTask(ContinualTask task, int index) {
        if (!context().lora().adapterNames().contains(ADAPTER)) {
            context().lora().addAdapter(ADAPTER, loraConfig());
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
        if (!context().lora().adapterNames().contains(ADAPTER)) {
            throw new IOException(dir + ": the checkpoint has no adapter '" + ADAPTER + "'");
        }
    }
}
