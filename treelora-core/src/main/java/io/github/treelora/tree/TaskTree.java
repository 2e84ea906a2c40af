package io.github.treelora.tree;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.memory.MemorySlot;
import io.github.treelora.vector.VectorOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The K-D tree over stored tasks (docs/algorithm.md, "The tree"). Level d of the tree splits using layer d's vectors,
 * so shallow
 * levels group tasks by input-side layers and deep levels by output-side layers. Immutable; rebuilt
 * after every finished task.
 */
public final class TaskTree {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TreeNode root;
    private final List<TreeNode> nodes;
    private final int[][] paths;
    private final SplitRule rule;
    private final int maxDepth;

    private TaskTree(TreeNode root, List<TreeNode> nodes, int numSlots, SplitRule rule, int maxDepth) {
        this.root = root;
        this.nodes = List.copyOf(nodes);
        this.rule = rule;
        this.maxDepth = maxDepth;
        this.paths = new int[numSlots][];
        collectPaths(root, new ArrayList<>());
    }

    /**
     * Builds the tree over the memory's entries.
     *
     * @param ops vector arithmetic of the entries
     * @param slots stored entries in task order (at least one); entry i is arm i
     * @param rule split rule
     * @param maxDepth deepest level allowed (leaves may sit at this depth); capped at the layer count
     * @param <V> vector type
     * @return the tree
     */
    public static <V> TaskTree build(VectorOps<V> ops, List<MemorySlot<V>> slots, SplitRule rule, int maxDepth) {
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("cannot build a task tree over zero tasks");
        }
        if (maxDepth < 0) {
            throw new IllegalArgumentException("maxDepth must be >= 0, got " + maxDepth);
        }
        int numLayers = slots.get(0).vectors().size();
        for (MemorySlot<V> s : slots) {
            if (s.vectors().size() != numLayers) {
                throw new IllegalArgumentException("tasks " + s.taskIds() + " have " + s.vectors().size()
                        + " layer vectors, expected " + numLayers);
            }
        }
        int depthLimit = Math.min(maxDepth, numLayers);
        List<List<V>> vectors = new ArrayList<>(slots.size());
        boolean differenced = rule == SplitRule.REFERENCE;
        for (int i = 0; i < slots.size(); i++) {
            List<V> own = slots.get(i).vectors();
            if (!differenced) {
                vectors.add(own);
                continue;
            }
            List<V> diff = new ArrayList<>(numLayers);
            for (int l = 0; l < numLayers; l++) {
                V u = ops.copy(own.get(l));
                if (i > 0) {
                    ops.axpy(-1.0, slots.get(i - 1).vectors().get(l), u);
                }
                diff.add(u);
            }
            vectors.add(diff);
        }
        try {
            int[] all = new int[slots.size()];
            Arrays.setAll(all, i -> i);
            Builder<V> b = new Builder<>(ops, vectors, slots, rule, depthLimit);
            TreeNode root = b.node(all, 0);
            return new TaskTree(root, b.nodesInPreorder(root), slots.size(), rule, depthLimit);
        } finally {
            if (differenced) {
                vectors.forEach(list -> list.forEach(ops::release));
            }
        }
    }

    /**
     * The root.
     *
     * @return root node
     */
    public TreeNode root() {
        return root;
    }

    /**
     * All nodes in pre-order; {@code nodes().get(n.id()) == n}.
     *
     * @return nodes
     */
    public List<TreeNode> nodes() {
        return nodes;
    }

    /**
     * Number of memory entries (arms) the tree was built over.
     *
     * @return slot count
     */
    public int numSlots() {
        return paths.length;
    }

    /**
     * Node ids from the root to the leaf holding {@code slot}.
     *
     * @param slot a memory entry
     * @return the path, root first
     */
    public int[] pathTo(int slot) {
        return paths[slot].clone();
    }

    /**
     * The leaf holding a memory entry.
     *
     * @param slot a memory entry
     * @return its leaf
     */
    public TreeNode leafOf(int slot) {
        int[] p = paths[slot];
        return nodes.get(p[p.length - 1]);
    }

    /**
     * The split rule used.
     *
     * @return rule
     */
    public SplitRule rule() {
        return rule;
    }

    /**
     * The depth limit in effect (the requested one capped at the layer count).
     *
     * @return max depth
     */
    public int maxDepth() {
        return maxDepth;
    }

    /**
     * Depth of the deepest leaf.
     *
     * @return height
     */
    public int height() {
        int h = 0;
        for (TreeNode n : nodes) {
            h = Math.max(h, n.depth());
        }
        return h;
    }

    /**
     * The tree as JSON: nodes {@code {"depth", "tasks", "threshold", "left", "right"}}, leaves
     * {@code {"depth", "tasks", "leaf": true}}.
     *
     * @return a JSON object
     */
    public ObjectNode toJson() {
        return toJson(root);
    }

    /**
     * Indented text, one node per line.
     *
     * @return text rendering
     */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        appendText(root, "", "", sb);
        return sb.toString();
    }

    @Override
    public String toString() {
        return toText();
    }

    private static ObjectNode toJson(TreeNode n) {
        ObjectNode o = JSON.createObjectNode();
        o.put("depth", n.depth());
        ArrayNode tasks = o.putArray("tasks");
        n.taskIds().forEach(tasks::add);
        if (n.isLeaf()) {
            o.put("leaf", true);
        } else {
            o.put("threshold", n.threshold());
            o.set("left", toJson(n.left()));
            o.set("right", toJson(n.right()));
        }
        return o;
    }

    private static void appendText(TreeNode n, String lead, String childLead, StringBuilder sb) {
        sb.append(lead).append(n.isLeaf() ? "leaf " : "node ").append("depth=").append(n.depth())
                .append(" tasks=").append(n.taskIds());
        if (!n.isLeaf()) {
            sb.append(" threshold=").append(String.format(java.util.Locale.ROOT, "%.6g", n.threshold()));
        }
        sb.append('\n');
        if (!n.isLeaf()) {
            appendText(n.left(), childLead + "├─ ", childLead + "│  ", sb);
            appendText(n.right(), childLead + "└─ ", childLead + "   ", sb);
        }
    }

    private void collectPaths(TreeNode n, List<Integer> prefix) {
        prefix.add(n.id());
        if (n.isLeaf()) {
            int[] p = prefix.stream().mapToInt(Integer::intValue).toArray();
            for (int s : n.slots()) {
                paths[s] = p;
            }
        } else {
            collectPaths(n.left(), prefix);
            collectPaths(n.right(), prefix);
        }
        prefix.remove(prefix.size() - 1);
    }

    /** Recursive construction; node ids are assigned in pre-order. */
    private static final class Builder<V> {
        private final VectorOps<V> ops;
        private final List<List<V>> vectors;
        private final List<MemorySlot<V>> slots;
        private final SplitRule rule;
        private final int depthLimit;
        private int nextId;

        Builder(VectorOps<V> ops, List<List<V>> vectors, List<MemorySlot<V>> slots, SplitRule rule,
                int depthLimit) {
            this.ops = ops;
            this.vectors = vectors;
            this.slots = slots;
            this.rule = rule;
            this.depthLimit = depthLimit;
        }

        TreeNode node(int[] members, int depth) {
            int id = nextId++;
            List<Integer> taskIds = new ArrayList<>();
            for (int s : members) {
                taskIds.addAll(slots.get(s).taskIds());
            }
            if (members.length <= 1 || depth >= depthLimit) {
                return new TreeNode(id, depth, members, taskIds, Double.NaN, null, null);
            }
            List<V> layer = new ArrayList<>(members.length);
            for (int s : members) {
                layer.add(vectors.get(s).get(depth));
            }
            V mean = ops.mean(layer);
            double[] score = new double[members.length];
            for (int i = 0; i < members.length; i++) {
                score[i] = rule == SplitRule.PAPER
                        ? ops.l1Distance(layer.get(i), mean)
                        : ops.dot(layer.get(i), mean);
            }
            ops.release(mean);
            double threshold = rule == SplitRule.PAPER ? median(score) : lowerMedian(score);
            List<Integer> left = new ArrayList<>();
            List<Integer> right = new ArrayList<>();
            for (int i = 0; i < members.length; i++) {
                boolean goesLeft = rule == SplitRule.PAPER ? score[i] <= threshold : score[i] >= threshold;
                (goesLeft ? left : right).add(members[i]);
            }
            int[] l;
            int[] r;
            if (left.isEmpty() || right.isEmpty()) {
                int half = members.length / 2;
                l = Arrays.copyOfRange(members, 0, half);
                r = Arrays.copyOfRange(members, half, members.length);
            } else {
                l = left.stream().mapToInt(Integer::intValue).toArray();
                r = right.stream().mapToInt(Integer::intValue).toArray();
            }
            TreeNode leftNode = node(l, depth + 1);
            TreeNode rightNode = node(r, depth + 1);
            return new TreeNode(id, depth, members, taskIds, threshold, leftNode, rightNode);
        }

        List<TreeNode> nodesInPreorder(TreeNode root) {
            TreeNode[] byId = new TreeNode[nextId];
            fill(root, byId);
            return Collections.unmodifiableList(Arrays.asList(byId));
        }

        private static void fill(TreeNode n, TreeNode[] byId) {
            byId[n.id()] = n;
            if (!n.isLeaf()) {
                fill(n.left(), byId);
                fill(n.right(), byId);
            }
        }
    }

    /**
     * The median (mean of the two middle values for an even count).
     *
     * @param values at least one value
     * @return the median
     */
    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /**
     * The lower median (the smaller middle value for an even count), as torch.median returns.
     *
     * @param values at least one value
     * @return the lower median
     */
    public static double lowerMedian(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(s.length - 1) / 2];
    }
}
