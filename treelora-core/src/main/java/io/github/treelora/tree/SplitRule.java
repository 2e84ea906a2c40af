package io.github.treelora.tree;

/**
 * How a tree node splits its tasks at level d, using layer d's vectors only (docs/algorithm.md, "The tree"). With
 * either rule,
 * if one side would be empty the ordered task list is cut in halves instead (first floor(n/2) left).
 */
public enum SplitRule {

    /**
     * The paper: m = mean of the tasks' vectors, s_i = ||v_i - m||_1, threshold t = median(s)
     * (mean of the two middle values for an even count). Tasks with s_i &lt;= t form the "near" (left)
     * child, the others the "far" (right) child.
     */
    PAPER,

    /**
     * The published code: vectors are first replaced by consecutive differences over the task order
     * (u_0 = v_0, u_i = v_i - v_{i-1}); m = mean of u, s_i = &lt;u_i, m&gt;, t = lower median of s;
     * s_i &gt;= t goes left, the rest right, keeping task order.
     */
    REFERENCE
}
