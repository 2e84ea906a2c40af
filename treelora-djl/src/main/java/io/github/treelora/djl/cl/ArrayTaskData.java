package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@link TaskData} over host arrays: float features (images, embeddings, ...) of one fixed sample shape and
 * int labels. The arrays are copied once; batches are gathered on the host and created in the caller's
 * manager.
 */
public final class ArrayTaskData extends LabeledTaskData {

    private final float[] features;
    private final Shape sampleShape;
    private final int sampleSize;

    /**
     * Samples stored back to back.
     *
     * @param features {@code labels.length * sampleShape.size()} floats, sample after sample (copied)
     * @param sampleShape the shape of one sample, e.g. {@code (1, 28, 28)} or {@code (64)}
     * @param labels global class id per sample (copied)
     * @throws IllegalArgumentException if the sizes do not match or a feature is not finite
     */
    public ArrayTaskData(float[] features, Shape sampleShape, int[] labels) {
        super(labels);
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(sampleShape, "sampleShape");
        long size = sampleShape.size();
        if (size < 1 || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sample shape " + sampleShape + " must have 1.." + Integer.MAX_VALUE
                    + " elements");
        }
        if ((long) labels.length * size != features.length) {
            throw new IllegalArgumentException(labels.length + " labels of shape " + sampleShape + " need "
                    + (long) labels.length * size + " features, got " + features.length);
        }
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                throw new IllegalArgumentException("feature " + (i % size) + " of sample " + (i / size) + " is "
                        + features[i]);
            }
        }
        this.features = features.clone();
        this.sampleShape = sampleShape;
        this.sampleSize = (int) size;
    }

    /**
     * Samples given one row per sample (flat features of shape {@code (row length)}).
     *
     * @param rows feature rows of equal length
     * @param labels global class id per row
     * @return the data
     */
    public static ArrayTaskData of(float[][] rows, int[] labels) {
        if (rows.length != labels.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + labels.length + " labels");
        }
        int d = rows.length == 0 ? 1 : rows[0].length;
        float[] flat = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " features, row 0 has "
                        + d);
            }
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return new ArrayTaskData(flat, new Shape(d), labels);
    }

    /**
     * The shape of one sample.
     *
     * @return sample shape
     */
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public LabeledBatch batch(int[] indices, NDManager manager) {
        int[] y = labels(indices);
        float[] x = new float[indices.length * sampleSize];
        for (int b = 0; b < indices.length; b++) {
            System.arraycopy(features, indices[b] * sampleSize, x, b * sampleSize, sampleSize);
        }
        long[] dims = new long[sampleShape.dimension() + 1];
        dims[0] = indices.length;
        System.arraycopy(sampleShape.getShape(), 0, dims, 1, sampleShape.dimension());
        NDArray inputs = manager.create(x, new Shape(dims));
        return new LabeledBatch(new NDList(inputs), manager.create(y));
    }

    @Override
    public String toString() {
        int[] classes = new int[size()];
        Arrays.setAll(classes, this::label);
        return "ArrayTaskData{" + size() + " samples of " + sampleShape + ", classes "
                + Arrays.toString(Arrays.stream(classes).distinct().sorted().toArray()) + "}";
    }
}
