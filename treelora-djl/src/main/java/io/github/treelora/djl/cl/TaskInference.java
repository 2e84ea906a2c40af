package io.github.treelora.djl.cl;

/**
 * How the class-incremental protocol picks the model for a test sample whose task is unknown.
 */
public enum TaskInference {
    /**
     * No inference: every sample goes through the current model (all adapters as they are after the last task)
     * and the growing head over all classes seen so far.
     */
    NONE,
    /**
     * Task-identity inference before classification, in the spirit of HiDe-LoRA (which the paper's ViT code
     * builds on): after each task, the trainer stores the mean feature of each of its classes computed by the
     * frozen backbone with all adapters disabled (statistics only, no samples are kept). At test time a sample's
     * adapter-free feature is matched to the nearest class mean by cosine similarity; the task owning that class
     * is the predicted task p. The sample is then classified by the model as it was at the end of task p
     * (the adapters that were active then, in the same order, with their current values; frozen adapters have
     * not changed since) with the logits masked to task p's classes. A wrong task prediction is an error.
     */
    NEAREST_CLASS_MEAN,
    /**
     * As {@link #NEAREST_CLASS_MEAN}, but each class is modelled as a Gaussian over the adapter-free features
     * (its mean and its covariance, shrunk toward a scaled identity with weight
     * {@value TaskIdentity#SHRINKAGE}) and a sample goes to the class of highest log-density (equal priors):
     * quadratic discriminant analysis, the class statistics HiDe-LoRA keeps for its task-identity head.
     */
    CLASS_GAUSSIAN
}
