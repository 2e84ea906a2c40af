package io.github.treelora.vector;

import java.util.List;

/**
 * The vector arithmetic TreeLoRA needs, abstracted over the storage type {@code V}.
 *
 * <p>Core computes with {@code float[]} ({@link FloatVectorOps}); an engine binding implements this over
 * device tensors so that task vectors, the running mean of the current task and distances stay on the
 * device. Only scalars (distances, norms, dot products) cross to the host. All reductions return
 * {@code double}; implementations may accumulate in single precision on a device.
 *
 * @param <V> the vector type
 */
public interface VectorOps<V> {

    /**
     * Number of elements.
     *
     * @param v a vector
     * @return its length
     */
    int length(V v);

    /**
     * A new vector of zeros.
     *
     * @param length number of elements
     * @return a new vector owned by the caller
     */
    V zeros(int length);

    /**
     * A new vector with the same content.
     *
     * @param v source
     * @return an independent copy owned by the caller
     */
    V copy(V v);

    /**
     * L1 distance {@code sum |a_i - b_i|}.
     *
     * @param a first vector
     * @param b second vector, same length
     * @return the distance
     */
    double l1Distance(V a, V b);

    /**
     * Dot product {@code sum a_i b_i}.
     *
     * @param a first vector
     * @param b second vector, same length
     * @return the dot product
     */
    double dot(V a, V b);

    /**
     * Euclidean norm.
     *
     * @param v a vector
     * @return {@code sqrt(sum v_i^2)}
     */
    double l2Norm(V v);

    /**
     * In place {@code y += alpha * x}.
     *
     * @param alpha scale of x
     * @param x added vector
     * @param y updated vector
     */
    void axpy(double alpha, V x, V y);

    /**
     * In place {@code v *= s}.
     *
     * @param v updated vector
     * @param s scale
     */
    void scale(V v, double s);

    /**
     * Host copy of the values (used for saving state; not on the per-step path).
     *
     * @param v a vector
     * @return a new float array
     */
    float[] toFloatArray(V v);

    /**
     * A vector holding the given values (used for loading state).
     *
     * @param values the values, not retained
     * @return a new vector owned by the caller
     */
    V fromFloatArray(float[] values);

    /**
     * Releases a vector this object created (device memory). The default does nothing.
     *
     * @param v a vector no longer used
     */
    default void release(V v) {}

    /**
     * Mean of several vectors of equal length.
     *
     * @param vectors at least one vector
     * @return a new vector
     */
    default V mean(List<V> vectors) {
        if (vectors.isEmpty()) {
            throw new IllegalArgumentException("mean of an empty list of vectors");
        }
        V sum = zeros(length(vectors.get(0)));
        for (V v : vectors) {
            axpy(1.0, v, sum);
        }
        scale(sum, 1.0 / vectors.size());
        return sum;
    }

    /**
     * Weighted mean {@code (wa * a + wb * b) / (wa + wb)}.
     *
     * @param a first vector
     * @param wa weight of a, positive
     * @param b second vector
     * @param wb weight of b, positive
     * @return a new vector
     */
    default V weightedMean(V a, double wa, V b, double wb) {
        V out = copy(a);
        scale(out, wa / (wa + wb));
        axpy(wb / (wa + wb), b, out);
        return out;
    }

    /**
     * Folds one more sample into a running mean: {@code mean += (x - mean) / count}, where {@code count}
     * already includes {@code x}.
     *
     * @param mean the running mean, updated in place
     * @param x the new sample
     * @param count number of samples including x (at least 1)
     */
    default void updateRunningMean(V mean, V x, long count) {
        double w = 1.0 / count;
        scale(mean, 1.0 - w);
        axpy(w, x, mean);
    }

    /**
     * Per-layer L1 distances {@code l1Distance(a[l], b[l])}. Engines override this to compute all layers with
     * one transfer to the host (the TreeLoRA step calls it once per step).
     *
     * @param a first vectors
     * @param b second vectors, same count and lengths
     * @return the distances, one per layer
     */
    default double[] l1Distances(List<V> a, List<V> b) {
        requireSameCount(a, b);
        double[] out = new double[a.size()];
        for (int l = 0; l < out.length; l++) {
            out[l] = l1Distance(a.get(l), b.get(l));
        }
        return out;
    }

    /**
     * Per-layer dot products {@code dot(a[l], b[l])}, one transfer where the engine allows.
     *
     * @param a first vectors
     * @param b second vectors, same count and lengths
     * @return the dot products, one per layer
     */
    default double[] dots(List<V> a, List<V> b) {
        requireSameCount(a, b);
        double[] out = new double[a.size()];
        for (int l = 0; l < out.length; l++) {
            out[l] = dot(a.get(l), b.get(l));
        }
        return out;
    }

    /**
     * Per-layer Euclidean norms, one transfer where the engine allows.
     *
     * @param v vectors
     * @return the norms, one per layer
     */
    default double[] l2Norms(List<V> v) {
        double[] out = new double[v.size()];
        for (int l = 0; l < out.length; l++) {
            out[l] = l2Norm(v.get(l));
        }
        return out;
    }

    /**
     * Checks that two per-layer lists have the same number of vectors.
     *
     * @param a first list
     * @param b second list
     * @throws IllegalArgumentException if the counts differ
     */
    static void requireSameCount(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("layer counts differ: " + a.size() + " and " + b.size());
        }
    }
}
