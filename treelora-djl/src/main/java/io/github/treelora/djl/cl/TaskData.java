package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDManager;

/**
 * One split (train or test) of one task: labelled samples held on the host that are turned into DJL batches
 * on demand. Labels are global class ids (the same id means the same class in every task).
 *
 * <p>The trainer decides the order: it draws a permutation from its seed (see {@link DataOrder}) and asks for
 * batches by sample index, so an implementation needs no random state and a resumed run sees the same batches.
 * Implementations must be safe to call repeatedly with any indices in {@code [0, size())}.
 */
public interface TaskData {

    /**
     * Number of samples.
     *
     * @return at least 0
     */
    int size();

    /**
     * The global class id of one sample (read on the host, used to validate labels before training).
     *
     * @param index sample index in {@code [0, size())}
     * @return the label
     */
    int label(int index);

    /**
     * Builds a batch of the given samples, in the given order, in {@code manager} (and on its device).
     *
     * @param indices sample indices, each in {@code [0, size())}; repeats allowed
     * @param manager the manager that owns the returned arrays (the trainer passes a per-step manager)
     * @return the model inputs and the labels (int32, shape {@code (B)})
     * @throws IndexOutOfBoundsException if an index is outside {@code [0, size())}
     */
    LabeledBatch batch(int[] indices, NDManager manager);
}
