package io.github.treelora.djl.cl;

/**
 * How a continual run is trained and evaluated. The trainer owns one linear head over all classes of the run
 * (rows indexed by global class id); the protocol decides which logits are visible.
 */
public enum EvaluationProtocol {
    /**
     * The task id is known at test time: logits are masked to the evaluated task's classes (equivalent to one
     * head per task, since masked rows get no gradient). Training masks to the current task's classes.
     */
    TASK_INCREMENTAL,
    /**
     * No task id at test time: one growing head; evaluation after task j sees the logits of every class of
     * tasks 0..j, unseen classes are masked. Training masks to the current task's classes (as L2P, InfLoRA and
     * HiDe-LoRA do: without replay, an unmasked cross-entropy would push old classes down on new data).
     */
    CLASS_INCREMENTAL
}
