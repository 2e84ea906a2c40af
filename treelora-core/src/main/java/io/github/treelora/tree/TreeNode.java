package io.github.treelora.tree;

import java.util.List;

/**
 * An immutable node of a {@link TaskTree}.
 *
 * <p>{@code slots} index the task memory's entries (bandit arms); {@code taskIds} are the task ids those
 * entries stand for (several per entry only after a storage-budget merge).
 */
public final class TreeNode {

    private final int id;
    private final int depth;
    private final int[] slots;
    private final List<Integer> taskIds;
    private final double threshold;
    private final TreeNode left;
    private final TreeNode right;

    TreeNode(int id, int depth, int[] slots, List<Integer> taskIds, double threshold,
            TreeNode left, TreeNode right) {
        this.id = id;
        this.depth = depth;
        this.slots = slots.clone();
        this.taskIds = List.copyOf(taskIds);
        this.threshold = threshold;
        this.left = left;
        this.right = right;
    }

    /**
     * Pre-order index of this node in {@link TaskTree#nodes()}.
     *
     * @return node id, 0 for the root
     */
    public int id() {
        return id;
    }

    /**
     * Depth, 0 at the root; the layer whose vectors split this node.
     *
     * @return depth
     */
    public int depth() {
        return depth;
    }

    /**
     * Memory entries under this node, in task order.
     *
     * @return a copy of the slot indices
     */
    public int[] slots() {
        return slots.clone();
    }

    /**
     * Number of memory entries under this node.
     *
     * @return slot count
     */
    public int slotCount() {
        return slots.length;
    }

    /**
     * The i-th memory entry under this node.
     *
     * @param i index below {@link #slotCount()}
     * @return slot index
     */
    public int slot(int i) {
        return slots[i];
    }

    /**
     * Task ids under this node, in task order.
     *
     * @return task ids
     */
    public List<Integer> taskIds() {
        return taskIds;
    }

    /**
     * The split threshold t (the published code's median_similarity); NaN for a leaf.
     *
     * @return threshold
     */
    public double threshold() {
        return threshold;
    }

    /**
     * Whether this node is a leaf.
     *
     * @return true for leaves
     */
    public boolean isLeaf() {
        return left == null;
    }

    /**
     * The left ("near" for PAPER, "s &gt;= t" for REFERENCE) child.
     *
     * @return left child, null for a leaf
     */
    public TreeNode left() {
        return left;
    }

    /**
     * The right child.
     *
     * @return right child, null for a leaf
     */
    public TreeNode right() {
        return right;
    }
}
