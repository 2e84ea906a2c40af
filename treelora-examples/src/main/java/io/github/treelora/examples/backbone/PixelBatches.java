package io.github.treelora.examples.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.examples.data.ImageDataset;

/**
 * Turns greyscale images into the backbone's {@code pixel_values}: {@code [B, 1, H, W]} float32, rescaled to
 * {@code [0, 1]} and normalised with {@code (x - MEAN) / STD} (Hugging Face's {@code image_mean}/{@code
 * image_std} of 0.5, the same for pretraining and continual learning, so both see one input distribution).
 * The arithmetic runs in Java, so no scalar operation enters a recorded graph.
 */
public final class PixelBatches {
    /** Normalisation mean, written to {@code preprocessor_config.json}. */
    public static final float MEAN = 0.5f;

    /** Normalisation standard deviation, written to {@code preprocessor_config.json}. */
    public static final float STD = 0.5f;

    private PixelBatches() {}

    /**
     * Builds one batch.
     *
     * @param data the images
     * @param indices which images, in batch order
     * @param manager the manager that will own the array (use a per-step sub-manager)
     * @return a {@code [indices.length, 1, height, width]} float32 array
     */
    public static NDArray pixels(ImageDataset data, int[] indices, NDManager manager) {
        return manager.create(normalized(data, indices), new Shape(indices.length, 1, data.height(), data.width()));
    }

    /**
     * The normalised pixels of the given images, on the host.
     *
     * @param data the images
     * @param indices which images, in order
     * @return {@code indices.length * height * width} floats, image after image, row-major
     */
    public static float[] normalized(ImageDataset data, int[] indices) {
        float[] x = data.toFloatArray(indices);
        for (int i = 0; i < x.length; i++) {
            x[i] = (x[i] - MEAN) / STD;
        }
        return x;
    }

    /**
     * Builds the label vector of one batch.
     *
     * @param labels labels parallel to the dataset
     * @param indices which samples, in batch order
     * @param manager the owning manager
     * @return a {@code [indices.length]} float32 array of class ids (DJL's sparse-label losses take floats)
     */
    public static NDArray labels(int[] labels, int[] indices, NDManager manager) {
        float[] y = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            y[i] = labels[indices[i]];
        }
        return manager.create(y);
    }
}
