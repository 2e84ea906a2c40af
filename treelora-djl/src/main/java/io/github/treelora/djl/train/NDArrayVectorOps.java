package io.github.treelora.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.vector.VectorOps;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * {@link VectorOps} over DJL {@link NDArray}s, so that task vectors, running means and distances stay on the
 * model's device; only reductions (one scalar each) are copied to the host.
 *
 * <p>Vectors this object creates (copies, means, loaded vectors) belong to its own manager and are freed by
 * {@link #release} or {@link #close}. Every intermediate result is attached to a short-lived sub-manager:
 * DJL puts an op's result in the manager of the array it was called on, which for a gradient or parameter is
 * the model's long-lived manager, so unscoped temporaries would leak every step. Arrays may have any shape;
 * two arrays combined must have the same number of elements (a stored flat vector combines with a [r, in]
 * gradient). Arithmetic runs outside gradient recording (after backward), in the arrays' own data type.
 */
public final class NDArrayVectorOps implements VectorOps<NDArray>, AutoCloseable {

    private final NDManager manager;

    /**
     * Vector arithmetic whose vectors live in a new sub-manager of {@code parent} (and on its device).
     *
     * @param parent a manager on the model's device
     */
    public NDArrayVectorOps(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /**
     * The manager owning the vectors this object creates.
     *
     * @return manager
     */
    public NDManager manager() {
        return manager;
    }

    @Override
    public int length(NDArray v) {
        return Math.toIntExact(v.size());
    }

    @Override
    public NDArray zeros(int length) {
        return manager.zeros(new Shape(length), DataType.FLOAT32);
    }

    @Override
    public NDArray copy(NDArray v) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray detached = v.stopGradient();
            detached.attach(tmp);
            NDArray c = detached.duplicate();
            c.attach(manager);
            return c;
        }
    }

    @Override
    public double l1Distance(NDArray a, NDArray b) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray diff = flat(a, tmp).sub(flat(b, tmp, a.size()));
            return diff.abs().sum().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    @Override
    public double dot(NDArray a, NDArray b) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray p = flat(a, tmp).mul(flat(b, tmp, a.size()));
            return p.sum().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    @Override
    public double l2Norm(NDArray v) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray f = flat(v, tmp);
            return Math.sqrt(f.mul(f).sum().toType(DataType.FLOAT64, false).getDouble());
        }
    }

    @Override
    public void axpy(double alpha, NDArray x, NDArray y) {
        try (NDManager tmp = manager.newSubManager()) {
            checkSize(x, y.size());
            NDArray xs = x.getShape().equals(y.getShape()) ? x : x.reshape(y.getShape());
            NDArray scaled = xs.mul(alpha);
            scaled.attach(tmp);
            if (xs != x) {
                xs.attach(tmp);
            }
            y.addi(scaled);
        }
    }

    /**
     * All layers' distances with one transfer: per layer {@code sum|a - b|} stays on the device, the scalars
     * are stacked and copied to the host together (the per-layer version costs one transfer and about ten native
     * calls per layer).
     */
    @Override
    public double[] l1Distances(List<NDArray> a, List<NDArray> b) {
        return perLayerScalars(a, b, (x, y) -> x.sub(y).abs().sum());
    }

    /** All layers' dot products with one transfer (see {@link #l1Distances}). */
    @Override
    public double[] dots(List<NDArray> a, List<NDArray> b) {
        return perLayerScalars(a, b, (x, y) -> x.mul(y).sum());
    }

    /** All layers' Euclidean norms with one transfer (see {@link #l1Distances}). */
    @Override
    public double[] l2Norms(List<NDArray> v) {
        return perLayerScalars(v, v, (x, y) -> x.mul(x).sum().sqrt());
    }

    /** {@code mean += (x - mean) / count} in three native operations. */
    @Override
    public void updateRunningMean(NDArray mean, NDArray x, long count) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray xs = sameShape(x, mean, tmp);
            NDArray step = xs.sub(mean);
            step.attach(tmp);
            mean.addi(step.divi(count));
        }
    }

    /** Stacks per-layer scalar results computed on the device and copies them to the host at once. */
    private double[] perLayerScalars(List<NDArray> a, List<NDArray> b, BinaryOperator<NDArray> op) {
        VectorOps.requireSameCount(a, b);
        if (a.isEmpty()) {
            return new double[0];
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDList scalars = new NDList(a.size());
            for (int l = 0; l < a.size(); l++) {
                // A new handle on x owned by tmp: the op's intermediates are created in (and freed with) tmp.
                NDArray x = a.get(l).stopGradient();
                x.attach(tmp);
                scalars.add(op.apply(x, sameShape(b.get(l), x, tmp)));
            }
            NDArray all = NDArrays.stack(scalars).toType(DataType.FLOAT64, false);
            all.attach(tmp);
            return all.toDoubleArray();
        }
    }

    /** {@code v} in the shape of {@code like} (a view, or v itself when the shapes already agree). */
    private static NDArray sameShape(NDArray v, NDArray like, NDManager tmp) {
        checkSize(v, like.size());
        if (v.getShape().equals(like.getShape())) {
            return v;
        }
        NDArray r = v.reshape(like.getShape());
        r.attach(tmp);
        return r;
    }

    @Override
    public void scale(NDArray v, double s) {
        v.muli(s);
    }

    @Override
    public float[] toFloatArray(NDArray v) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray f = flat(v, tmp).toType(DataType.FLOAT32, false);
            f.attach(tmp);
            return f.toFloatArray();
        }
    }

    @Override
    public NDArray fromFloatArray(float[] values) {
        return manager.create(values);
    }

    @Override
    public void release(NDArray v) {
        if (v.getManager() == manager) {
            v.close();
        }
    }

    /** The first vector's copy accumulates the rest, keeping its shape (no reshape of every operand). */
    @Override
    public NDArray mean(List<NDArray> vectors) {
        if (vectors.isEmpty()) {
            throw new IllegalArgumentException("mean of an empty list of vectors");
        }
        NDArray sum = copy(vectors.get(0));
        for (int i = 1; i < vectors.size(); i++) {
            axpy(1.0, vectors.get(i), sum);
        }
        scale(sum, 1.0 / vectors.size());
        return sum;
    }

    /** Frees every vector this object created. */
    @Override
    public void close() {
        manager.close();
    }

    /** A detached flat view of {@code v} owned by {@code tmp} (both intermediate arrays attached there). */
    private static NDArray flat(NDArray v, NDManager tmp) {
        NDArray detached = v.stopGradient();
        detached.attach(tmp);
        return detached.reshape(-1);
    }

    private static NDArray flat(NDArray v, NDManager tmp, long expectedSize) {
        checkSize(v, expectedSize);
        return flat(v, tmp);
    }

    private static void checkSize(NDArray v, long expectedSize) {
        if (v.size() != expectedSize) {
            throw new IllegalArgumentException("vector sizes differ: " + v.getShape() + " has " + v.size()
                    + " elements, expected " + expectedSize);
        }
    }
}
