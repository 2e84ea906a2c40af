package io.github.treelora.examples.data;

import java.util.List;
import java.util.Objects;

/**
 * Immutable greyscale images with class labels, stored as unsigned bytes (one byte per pixel, row-major,
 * image after image) to keep 60,000 MNIST images at 47 MB; {@link #image(int)} and {@link
 * #toFloatArray(int[])} scale them to {@code [0, 1]} ({@code byte / 255}).
 */
public final class ImageDataset extends LabeledSamples<ImageDataset> {
    private final int height;
    private final int width;
    private final byte[] pixels;

    private ImageDataset(String name, int height, int width, byte[] pixels, int[] labels, List<String> classNames) {
        super(name, labels, classNames);
        this.height = height;
        this.width = width;
        this.pixels = pixels;
    }

    /**
     * Creates a dataset from copies of the given arrays.
     *
     * @param name a short name used in messages
     * @param height image height in pixels (&gt; 0)
     * @param width image width in pixels (&gt; 0)
     * @param pixels {@code labels.length * height * width} unsigned bytes, row-major, image after image
     * @param labels one class id per image, each in {@code 0..classNames.size()-1}
     * @param classNames the class names
     * @return the dataset
     * @throws IllegalArgumentException if sizes disagree or a label is out of range
     */
    public static ImageDataset of(String name, int height, int width, byte[] pixels, int[] labels,
            List<String> classNames) {
        return wrap(name, height, width, pixels.clone(), labels.clone(), classNames);
    }

    /** Creates a dataset that takes ownership of the arrays (callers must not keep them). */
    static ImageDataset wrap(String name, int height, int width, byte[] pixels, int[] labels,
            List<String> classNames) {
        Objects.requireNonNull(name, "name");
        List<String> names = Checks.classNames(name, classNames);
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException(name + ": image size must be positive, got " + height + "x" + width);
        }
        if ((long) labels.length * height * width != pixels.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels of " + height + "x" + width
                    + " images need " + (long) labels.length * height * width + " pixel bytes, got " + pixels.length);
        }
        Checks.checkLabels(name, labels, names);
        return new ImageDataset(name, height, width, pixels, labels, names);
    }

    /**
     * Returns the image height.
     *
     * @return rows per image
     */
    public int height() {
        return height;
    }

    /**
     * Returns the image width.
     *
     * @return columns per image
     */
    public int width() {
        return width;
    }

    /**
     * Returns the number of pixels of one image.
     *
     * @return {@code height() * width()}
     */
    public int pixelsPerImage() {
        return height * width;
    }

    /**
     * Returns one pixel as an unsigned byte value.
     *
     * @param index the image
     * @param row the row, {@code 0..height()-1}
     * @param col the column, {@code 0..width()-1}
     * @return the raw value in {@code 0..255}
     */
    public int rawPixel(int index, int row, int col) {
        Objects.checkIndex(index, labels.length);
        Objects.checkIndex(row, height);
        Objects.checkIndex(col, width);
        return pixels[index * pixelsPerImage() + row * width + col] & 0xFF;
    }

    /**
     * Returns a copy of one image's raw bytes (unsigned; use {@code b & 0xFF}).
     *
     * @param index the image
     * @return a new array of {@link #pixelsPerImage()} bytes, row-major
     */
    public byte[] rawImage(int index) {
        Objects.checkIndex(index, labels.length);
        int p = pixelsPerImage();
        byte[] out = new byte[p];
        System.arraycopy(pixels, index * p, out, 0, p);
        return out;
    }

    /**
     * Returns one image scaled to {@code [0, 1]}.
     *
     * @param index the image
     * @return a new array of {@link #pixelsPerImage()} floats, row-major
     */
    public float[] image(int index) {
        float[] out = new float[pixelsPerImage()];
        copyImage(index, out, 0);
        return out;
    }

    /**
     * Writes one image scaled to {@code [0, 1]} into {@code dest} (no allocation, for batching).
     *
     * @param index the image
     * @param dest the destination
     * @param offset where the image's first pixel goes
     * @throws IndexOutOfBoundsException if the image does not fit
     */
    public void copyImage(int index, float[] dest, int offset) {
        Objects.checkIndex(index, labels.length);
        int p = pixelsPerImage();
        Objects.checkFromIndexSize(offset, p, dest.length);
        int base = index * p;
        for (int i = 0; i < p; i++) {
            dest[offset + i] = (pixels[base + i] & 0xFF) / 255f;
        }
    }

    /**
     * Returns the given images as one flat {@code [indices.length, height, width]} float array scaled to
     * {@code [0, 1]}.
     *
     * @param indices the images, in order
     * @return a new array of {@code indices.length * pixelsPerImage()} floats
     */
    public float[] toFloatArray(int[] indices) {
        Checks.checkIndices(name, indices, labels.length);
        int p = pixelsPerImage();
        float[] out = new float[Math.multiplyExact(indices.length, p)];
        for (int i = 0; i < indices.length; i++) {
            copyImage(indices[i], out, i * p);
        }
        return out;
    }

    @Override
    public ImageDataset subset(int[] indices) {
        Checks.checkIndices(name, indices, labels.length);
        int p = pixelsPerImage();
        byte[] px = new byte[Math.multiplyExact(indices.length, p)];
        int[] lb = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * p, px, i * p, p);
            lb[i] = labels[indices[i]];
        }
        return new ImageDataset(name, height, width, px, lb, classNames);
    }

    @Override
    public String toString() {
        return "ImageDataset[" + name + ", " + labels.length + " x " + height + "x" + width + ", "
                + classNames.size() + " classes]";
    }
}
