package io.github.treelora;

/** What a task vector averages (docs/algorithm.md, "Task memory"). */
public enum TaskVectorSource {
    /** dLoss/dA per step, averaged over all steps of the task (PAPER). */
    GRADIENTS,
    /** The values of A per step, averaged over the steps of the task's last epoch (REFERENCE). */
    VALUES_LAST_EPOCH
}
