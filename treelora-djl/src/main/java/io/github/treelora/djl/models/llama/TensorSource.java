package io.github.treelora.djl.models.llama;

import java.util.Set;

/**
 * Named float tensors, such as a Hugging Face checkpoint, read by name. Implementations widen stored
 * types (BF16, F16) to float32.
 */
public interface TensorSource {

    /**
     * All tensor names.
     *
     * @return the names
     */
    Set<String> names();

    /**
     * Shape of one tensor.
     *
     * @param name a member of {@link #names()}
     * @return the dimensions
     * @throws IllegalArgumentException if there is no such tensor
     */
    long[] shape(String name);

    /**
     * Values of one tensor, row-major, as float32.
     *
     * @param name a member of {@link #names()}
     * @return a fresh array of {@code product(shape(name))} values
     * @throws IllegalArgumentException if there is no such tensor
     */
    float[] floats(String name);
}
