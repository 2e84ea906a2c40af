package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The state behind {@link TaskInference}: per class statistics of the adapter-free features (their mean, and for
 * {@link TaskInference#CLASS_GAUSSIAN} a covariance), and per finished task the active adapters of every LoRA
 * layer at its end. Host-side and small (classes x feature size, or classes x feature size squared, doubles); no
 * sample is kept.
 */
final class TaskIdentity {

    /**
     * Weight of the scaled identity mixed into each class covariance: classes have a few hundred to a few
     * thousand samples in up to several hundred dimensions, so the raw covariance is ill-conditioned.
     */
    static final double SHRINKAGE = 0.1;

    private final TaskInference mode;
    private final int dim;
    /** Per class id: the unit-length mean (cosine mode) or the mean, or null while the class is unseen. */
    private final double[][] means;
    /** Per class id (Gaussian mode): the inverse of the shrunk covariance, row-major. */
    private final double[][] precisions;
    /** Per class id (Gaussian mode): log-determinant of the shrunk covariance. */
    private final double[] logDets;
    /** Per class id: the index of the task that owns it, or -1. */
    private final int[] owner;
    /** Per finished task: layer path -> active adapters in order. */
    private final List<Map<String, List<String>>> activeByTask = new ArrayList<>();

    TaskIdentity(TaskInference mode, int numClasses, long featureDim) {
        if (mode == TaskInference.NONE) {
            throw new IllegalArgumentException("no task identity state without task inference");
        }
        this.mode = mode;
        this.dim = Math.toIntExact(featureDim);
        this.means = new double[numClasses][];
        this.precisions = new double[numClasses][];
        this.logDets = new double[numClasses];
        this.owner = new int[numClasses];
        Arrays.fill(owner, -1);
    }

    /** Running sums of one class's features. */
    static final class ClassSums {
        final double[] sum;
        /** Upper triangle used; null when only the mean is needed. */
        final double[][] outer;
        long count;

        ClassSums(int dim, boolean withCovariance) {
            sum = new double[dim];
            outer = withCovariance ? new double[dim][dim] : null;
        }

        void add(float[] features, int offset) {
            int d = sum.length;
            for (int i = 0; i < d; i++) {
                double xi = features[offset + i];
                sum[i] += xi;
                if (outer != null) {
                    double[] row = outer[i];
                    for (int j = i; j < d; j++) {
                        row[j] += xi * features[offset + j];
                    }
                }
            }
            count++;
        }
    }

    /** Empty sums for one class in this mode. */
    ClassSums newSums() {
        return new ClassSums(dim, mode == TaskInference.CLASS_GAUSSIAN);
    }

    /**
     * Records task {@code taskIndex}: its classes' statistics and the active adapters at its end.
     *
     * @param sums per class of the task: its feature sums
     * @param active layer path -> active adapters at the end of the task
     */
    void addTask(int taskIndex, Map<Integer, ClassSums> sums, Map<String, List<String>> active) {
        if (taskIndex != activeByTask.size()) {
            throw new IllegalStateException("task " + taskIndex + " recorded out of order; " + activeByTask.size()
                    + " tasks recorded");
        }
        sums.forEach((c, s) -> {
            double[] mean = new double[dim];
            for (int i = 0; i < dim; i++) {
                mean[i] = s.sum[i] / s.count;
            }
            if (mode == TaskInference.NEAREST_CLASS_MEAN) {
                double norm = Math.sqrt(dot(mean, 0, mean));
                for (int i = 0; i < dim; i++) {
                    mean[i] /= Math.max(norm, 1e-12);
                }
            } else {
                gaussian(c, s, mean);
            }
            means[c] = mean;
            owner[c] = taskIndex;
        });
        activeByTask.add(Map.copyOf(active));
    }

    private void gaussian(int c, ClassSums s, double[] mean) {
        double[][] cov = new double[dim][dim];
        double trace = 0;
        for (int i = 0; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                double v = s.outer[i][j] / s.count - mean[i] * mean[j];
                cov[i][j] = v;
                cov[j][i] = v;
            }
            trace += cov[i][i];
        }
        double ridge = SHRINKAGE * Math.max(trace / dim, 1e-12);
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
                cov[i][j] *= 1 - SHRINKAGE;
            }
            cov[i][i] += ridge;
        }
        CholeskyDecomposition chol = new CholeskyDecomposition(new Array2DRowRealMatrix(cov, false), 1e-12, 1e-300);
        RealMatrix inverse = chol.getSolver().getInverse();
        double[] flat = new double[dim * dim];
        for (int i = 0; i < dim; i++) {
            System.arraycopy(inverse.getRow(i), 0, flat, i * dim, dim);
        }
        double logDet = 0;
        RealMatrix l = chol.getL();
        for (int i = 0; i < dim; i++) {
            logDet += 2 * Math.log(l.getEntry(i, i));
        }
        precisions[c] = flat;
        logDets[c] = logDet;
    }

    /** The recorded active sets of tasks {@code 0..count-1}, for checkpoints. */
    List<Map<String, List<String>>> activeSetsUpTo(int count) {
        return List.copyOf(activeByTask.subList(0, count));
    }

    /** The active adapters of every layer at the end of task {@code taskIndex}. */
    Map<String, List<String>> activeAt(int taskIndex) {
        return activeByTask.get(taskIndex);
    }

    /**
     * The predicted task of each row of adapter-free features, among tasks {@code 0..lastTask}: the owner of the
     * best-scoring class (cosine to the class mean, or the Gaussian log-density with equal priors).
     *
     * @param features (B, D) adapter-free features
     * @param lastTask the last task seen so far
     * @return per row the predicted task index
     */
    int[] predict(NDArray features, int lastTask) {
        float[] f = features.toFloatArray();
        int rows = f.length / dim;
        int[] tasks = new int[rows];
        double[] x = new double[dim];
        double[] centred = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < dim; i++) {
                x[i] = f[r * dim + i];
            }
            double best = Double.NEGATIVE_INFINITY;
            int bestTask = -1;
            for (int c = 0; c < means.length; c++) {
                if (means[c] == null || owner[c] > lastTask) {
                    continue;
                }
                double score;
                if (mode == TaskInference.NEAREST_CLASS_MEAN) {
                    // The row's norm is the same for every class, so the dot product ranks like the cosine.
                    score = dot(x, 0, means[c]);
                } else {
                    for (int i = 0; i < dim; i++) {
                        centred[i] = x[i] - means[c][i];
                    }
                    double quad = 0;
                    for (int i = 0; i < dim; i++) {
                        quad += centred[i] * dot(centred, 0, precisions[c], i * dim);
                    }
                    score = -0.5 * (quad + logDets[c]);
                }
                if (score > best) {
                    best = score;
                    bestTask = owner[c];
                }
            }
            tasks[r] = bestTask;
        }
        return tasks;
    }

    private static double dot(double[] a, int from, double[] b) {
        return dot(a, from, b, 0);
    }

    private static double dot(double[] a, int from, double[] b, int bFrom) {
        double s = 0;
        for (int i = 0; i < a.length - from; i++) {
            s += a[from + i] * b[bFrom + i];
        }
        return s;
    }
}
