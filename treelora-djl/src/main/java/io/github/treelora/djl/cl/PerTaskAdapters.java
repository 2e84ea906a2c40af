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
