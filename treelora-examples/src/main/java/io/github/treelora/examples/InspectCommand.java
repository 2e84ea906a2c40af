package io.github.treelora.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.memory.MemorySlot;
import io.github.treelora.tree.SplitRule;
import io.github.treelora.tree.TaskTree;
import io.github.treelora.vector.FloatVectorOps;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code inspect --vectors FILE.json [--preset paper|reference] [--max-depth D] [--text]}: builds the task
 * tree over raw per-task vectors and prints it as JSON (or indented text).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Build the TreeLoRA task tree over per-task vectors and print it.")
public final class InspectCommand implements Callable<Integer> {

    /** Split-rule preset names accepted on the command line. */
    public enum PresetName {
        /** The paper's L1-median split. */
        paper,
        /** The published code's differenced dot-product split. */
        reference
    }

    @Spec
    private CommandSpec spec;

    @Option(names = "--vectors", required = true, paramLabel = "FILE.json",
            description = "{\"tasks\": [[[layer-0 floats...], ...], ...]}: task-major, then layer, then values.")
    private Path vectors;

    @Option(names = "--preset", defaultValue = "paper", paramLabel = "paper|reference",
            description = "Split rule (default: ${DEFAULT-VALUE}).")
    private PresetName preset;

    @Option(names = "--max-depth", paramLabel = "D",
            description = "Depth limit (default: the number of layers).")
    private Integer maxDepth;

    @Option(names = "--text", description = "Print indented text instead of JSON.")
    private boolean text;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        List<MemorySlot<float[]>> slots;
        try {
            slots = TaskVectorsFile.read(vectors);
        } catch (IOException e) {
            err.println("inspect: " + e.getMessage());
            return 2;
        }
        int layers = slots.get(0).vectors().size();
        int depth = maxDepth == null ? layers : maxDepth;
        if (depth < 0) {
            err.println("inspect: --max-depth must be >= 0, got " + depth);
            return 2;
        }
        SplitRule rule = preset == PresetName.paper ? SplitRule.PAPER : SplitRule.REFERENCE;
        TaskTree tree = TaskTree.build(FloatVectorOps.INSTANCE, slots, rule, depth);
        if (text) {
            out.print(tree.toText());
        } else {
            try {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree.toJson()));
            } catch (IOException e) {
                throw new IllegalStateException("cannot render the tree as JSON", e);
            }
        }
        out.flush();
        return 0;
    }
}
