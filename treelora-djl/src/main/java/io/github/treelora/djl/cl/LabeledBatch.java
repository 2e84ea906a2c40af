package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.Objects;

/**
 * One batch: the backbone's inputs (one array for images, or several, e.g. token ids and attention mask) and
 * the global class ids.
 *
 * @param inputs what the backbone's {@code forward} receives; every array has the batch on axis 0
 * @param labels int32 class ids, shape {@code (B)}
 */
public record LabeledBatch(NDList inputs, NDArray labels) {

    /**
     * Checks that both parts are present.
     *
     * @param inputs non-null, non-empty
     * @param labels non-null
     */
    public LabeledBatch {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(labels, "labels");
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one input array");
        }
    }
}
