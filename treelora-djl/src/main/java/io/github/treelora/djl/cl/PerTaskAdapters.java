package io.github.treelora.djl.cl;

import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The adapter bookkeeping shared by the strategies that give every task its own adapter (O-LoRA, InfLoRA):
 * adapter {@code task<k>} is added for task k after every earlier one is frozen (earlier adapters stay active),
 * and the list of names is part of the strategy's checkpoint state.
 */
final class PerTaskAdapters {

    private final String strategyName;
    private final String stateFile;
    private final List<String> names = new ArrayList<>();

    /**
     * @param strategyName for error messages
     * @param stateFile file name of the list in the strategy's state directory
     */
    PerTaskAdapters(String strategyName, String stateFile) {
        this.strategyName = strategyName;
        this.stateFile = stateFile;
    }

    /**
     * Refuses adapter variants other than plain LoRA for a strategy whose protection of old tasks is a constraint
     * on A: a variant such as DoRA changes the layer's output through tensors the constraint does not see (DoRA's
     * magnitude rescales every output row, old tasks' contributions included).
     *
     * @param lora the strategy's adapter configuration
     * @param strategy the strategy's name, for the message
     * @param constraint what the strategy constrains, for the message
     * @return {@code lora}
     * @throws IllegalArgumentException for another variant
     */
    static LoraConfig requirePlainLora(LoraConfig lora, String strategy, String constraint) {
        if (lora.variant() != io.github.treelora.djl.lora.PlainLora.INSTANCE) {
            throw new IllegalArgumentException(strategy + " supports plain LoRA adapters only, not "
                    + lora.variant() + ": it protects old tasks by " + constraint + ", and a " + lora.variant()
                    + " adapter changes the layer's output through tensors that constraint does not see ("
                    + "DoRA's magnitude rescales every output row, old tasks' included); use SeqLoRA or TreeLoRA "
                    + "for DoRA, or useDora(false)");
        }
        return lora;
    }

    /** The adapter name of task {@code index}. */
    static String nameOf(int index) {
        return "task" + index;
    }

    /**
     * Freezes every earlier adapter and adds the one of task {@code index}.
     *
     * @return its name
     */
    String start(LoraModel lora, int index, LoraConfig config) {
        String name = nameOf(index);
        for (String old : names) {
            lora.freezeAdapter(old);
        }
        lora.addAdapter(name, config);
        names.add(name);
        return name;
    }

    /** The adapters added so far, oldest first. */
    List<String> names() {
        return names;
    }

    void save(Path dir) throws IOException {
        Files.write(dir.resolve(stateFile), names);
    }

    /** Restores the list after {@code finished} tasks; every listed adapter must be in the restored model. */
    void load(Path dir, List<ContinualTask> finished, LoraModel lora) throws IOException {
        List<String> loaded = Files.readAllLines(dir.resolve(stateFile));
        if (loaded.size() != finished.size()) {
            throw new IOException(dir + ": " + strategyName + " state lists " + loaded.size() + " adapters for "
                    + finished.size() + " finished tasks");
        }
        for (String n : loaded) {
            if (!lora.adapterNames().contains(n)) {
                throw new IOException(dir + ": adapter " + n + " is not in the restored model");
            }
        }
        names.clear();
        names.addAll(loaded);
    }
}
