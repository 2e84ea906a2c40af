package io.github.treelora.djl.lora;

import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.SequentialBlock;
import io.github.treelora.djl.models.ModuleContainer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Dotted module paths of a block tree, the names that LoRA targets and adapter files use.
 *
 * <p>The walk is depth first, parents before children, children in their stored order; for the project's
 * {@link ModuleContainer} blocks that is forward (input-to-output) order, which is TreeLoRA's layer order.
 * The root itself has no path. A path joins the local names of the modules on the way with dots.
 *
 * <p>Local names:
 * <ul>
 *   <li>children of a {@link ModuleContainer}: the keys of {@link ModuleContainer#namedModules()}
 *       (Hugging Face names such as {@code query}, {@code 0}, {@code q_proj});</li>
 *   <li>children of a DJL {@link SequentialBlock}: the 0-based position, as in PyTorch's
 *       {@code nn.Sequential} ({@code 0}, {@code 1}, ...), so an MLP {@code Linear, relu, Linear} has modules
 *       {@code 0} and {@code 2};</li>
 *   <li>children of any other DJL block: DJL's child name without the two-digit position prefix that DJL's
 *       {@code addChildBlock} puts in front ({@code 02queryProjection} becomes {@code queryProjection}); if
 *       two siblings would then share a name, the full DJL names are kept for that parent. For DJL's
 *       {@code BertBlock} this gives paths such as {@code transformer_0.selfAttention.queryProjection} and
 *       {@code transformer_0.outputBlock.0}.</li>
 * </ul>
 * A {@link LoraLinear} is a leaf: its wrapped base layer is not listed.
 */
public final class ModuleTree {

    private ModuleTree() {
    }

    /**
     * One module of a tree.
     *
     * @param path the dotted path from the root
     * @param block the module
     * @param parent the block that holds it
     * @param localName its name within {@code parent} (the last path segment)
     * @param childIndex its position in {@code parent.getChildren()} for DJL parents, or -1 for a
     *     {@link ModuleContainer} parent
     * @param djlChildName the DJL child name for DJL parents ({@code null} for {@link ModuleContainer} parents)
     */
    public record Module(String path, Block block, Block parent, String localName, int childIndex,
            String djlChildName) {

        /**
         * Validates the components.
         *
         * @param path the dotted path from the root
         * @param block the module
         * @param parent the block that holds it
         * @param localName its name within {@code parent}
         * @param childIndex position among the DJL children, or -1
         * @param djlChildName DJL child name or null
         */
        public Module {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(block, "block");
            Objects.requireNonNull(parent, "parent");
            Objects.requireNonNull(localName, "localName");
        }
    }

    /**
     * All modules under {@code root} (root excluded) in walk order.
     *
     * @param root the model's top block
     * @return the modules, parents before children
     */
    public static List<Module> modules(Block root) {
        Objects.requireNonNull(root, "root");
        List<Module> out = new ArrayList<>();
        walk(root, "", out);
        return out;
    }

    /**
     * The paths of {@link #modules(Block)}.
     *
     * @param root the model's top block
     * @return dotted paths in walk order
     */
    public static List<String> paths(Block root) {
        List<String> paths = new ArrayList<>();
        for (Module m : modules(root)) {
            paths.add(m.path());
        }
        return paths;
    }

    private static void walk(Block parent, String prefix, List<Module> out) {
        if (parent instanceof LoraLinear) {
            return;
        }
        for (Module child : children(parent, prefix)) {
            out.add(child);
            walk(child.block(), child.path(), out);
        }
    }

    private static List<Module> children(Block parent, String prefix) {
        List<Module> list = new ArrayList<>();
        if (parent instanceof ModuleContainer) {
            for (Map.Entry<String, Block> e : ((ModuleContainer) parent).namedModules().entrySet()) {
                list.add(new Module(join(prefix, e.getKey()), e.getValue(), parent, e.getKey(), -1, null));
            }
            return list;
        }
        BlockList children = parent.getChildren();
        List<String> names = localNames(parent, children.keys());
        for (int i = 0; i < children.size(); i++) {
            list.add(new Module(join(prefix, names.get(i)), children.valueAt(i), parent, names.get(i), i,
                    children.keyAt(i)));
        }
        return list;
    }

    /** Local names of a DJL block's children; see the class comment for the scheme. */
    static List<String> localNames(Block parent, List<String> djlNames) {
        List<String> names = new ArrayList<>(djlNames.size());
        if (parent instanceof SequentialBlock) {
            for (int i = 0; i < djlNames.size(); i++) {
                names.add(Integer.toString(i));
            }
            return names;
        }
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < djlNames.size(); i++) {
            String raw = djlNames.get(i);
            String prefix = String.format("%02d", i + 1);
            String stripped = raw.startsWith(prefix) && raw.length() > prefix.length()
                    ? raw.substring(prefix.length()) : raw;
            names.add(stripped);
            counts.merge(stripped, 1, Integer::sum);
        }
        for (int count : counts.values()) {
            if (count > 1) {
                return new ArrayList<>(djlNames);
            }
        }
        return names;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
