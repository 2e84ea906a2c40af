package io.github.treelora.metrics;

import java.util.Arrays;

/**
 * R[i][j] = accuracy on task i after training task j (0-based, defined for i &lt;= j), filled as a
 * continual run proceeds. Accuracies are fractions or percentages; metrics keep the caller's unit.
 */
public final class AccuracyMatrix {

    private final double[][] r;

    /**
     * An empty matrix for a run of {@code numTasks} tasks.
     *
     * @param numTasks at least 1
     */
    public AccuracyMatrix(int numTasks) {
        if (numTasks < 1) {
            throw new IllegalArgumentException("numTasks must be >= 1, got " + numTasks);
        }
        r = new double[numTasks][numTasks];
        for (double[] row : r) {
            Arrays.fill(row, Double.NaN);
        }
    }

    /**
     * A full lower-triangular matrix given row by row ({@code values[i][j]} for {@code j >= i}; entries with
     * {@code j < i} are ignored).
     *
     * @param values square matrix
     * @return the matrix
     */
    public static AccuracyMatrix of(double[][] values) {
        AccuracyMatrix m = new AccuracyMatrix(values.length);
        for (int i = 0; i < values.length; i++) {
            if (values[i].length != values.length) {
                throw new IllegalArgumentException("row " + i + " has " + values[i].length
                        + " entries, expected " + values.length);
            }
            for (int j = i; j < values.length; j++) {
                m.set(i, j, values[i][j]);
            }
        }
        return m;
    }

    /**
     * Records the accuracy on task i after training task j.
     *
     * @param task i
     * @param afterTask j, at least i
     * @param accuracy finite value
     */
    public void set(int task, int afterTask, double accuracy) {
        checkIndex(task, afterTask);
        if (!Double.isFinite(accuracy)) {
            throw new IllegalArgumentException("accuracy R[" + task + "][" + afterTask + "] is " + accuracy);
        }
        r[task][afterTask] = accuracy;
    }

    /**
     * R[i][j].
     *
     * @param task i
     * @param afterTask j
     * @return the accuracy, NaN if not recorded yet
     */
    public double get(int task, int afterTask) {
        checkIndex(task, afterTask);
        return r[task][afterTask];
    }

    /**
     * Number of tasks N.
     *
     * @return N
     */
    public int numTasks() {
        return r.length;
    }

    /**
     * Number of leading tasks whose evaluation column is complete (R[i][j] known for all i &lt;= j).
     *
     * @return tasks finished
     */
    public int completedTasks() {
        int n = 0;
        while (n < r.length && isColumnComplete(n)) {
            n++;
        }
        return n;
    }

    /**
     * A copy as a square array (NaN where undefined or not yet recorded).
     *
     * @return values
     */
    public double[][] toArray() {
        return copyRows(r);
    }

    /**
     * A deep copy of a matrix given as rows (for results that keep the matrix as an array and hand out copies).
     *
     * @param rows the rows
     * @return new rows with the same values
     */
    public static double[][] copyRows(double[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i].clone();
        }
        return out;
    }

    private boolean isColumnComplete(int j) {
        for (int i = 0; i <= j; i++) {
            if (Double.isNaN(r[i][j])) {
                return false;
            }
        }
        return true;
    }

    private void checkIndex(int task, int afterTask) {
        if (task < 0 || afterTask >= r.length || task > afterTask) {
            throw new IndexOutOfBoundsException("R[" + task + "][" + afterTask + "] is not defined for "
                    + r.length + " tasks (need 0 <= i <= j < N)");
        }
    }
}
