package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InfLoRA (Liang and Li, CVPR 2024; spec section 4), in its GPM form. Per task k a new adapter
 * {@code task<k>} is added; older adapters are frozen and stay active. Before training, at every adapted
 * layer l:
 * <ol>
 *   <li>the layer's inputs X over the first {@code representationBatches} batches of the task's training
 *       split are collected (a forward pass in inference mode, older adapters active) as the covariance
 *       {@code C = X^T X} ({@code [in, in]});</li>
 *   <li>C is projected away from the subspace of earlier tasks' inputs, kept as an orthonormal basis M_l:
 *       {@code C' = (I - M M^T) C (I - M M^T)};</li>
 *   <li>the rows of the new A (the down-projection) are set to the top-r eigenvectors of C' (unit rows) and A
 *       is frozen: only B trains.</li>
 * </ol>
 * After training, the inputs of the task are collected again (with the trained adapter) and M_l grows as in
 * GPM (Saha et al., 2021): with {@code C' = P C P}, add the fewest top eigenvectors of C' such that
 * {@code (||M^T X||^2 + sum of their eigenvalues) / ||X||^2 >= energyThreshold}.
 *
 * <p>Differences from the published InfLoRA: no DualGPM switch to storing the complement once the basis
 * covers more than half the space (the basis is always the span of old inputs, as GPM does); A rows are unit
 * vectors (the LoRA scaling alpha / r applies on top); the eigen-decomposition runs on the host in double
 * precision ({@link SymmetricEigen}). When a layer's basis already fills the input space, C' is zero and the
 * new A is an arbitrary orthonormal set; a warning is logged.
 */
public final class InfLora extends LoraStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(InfLora.class);

    /** Default energy threshold of the basis growth. */
    public static final double DEFAULT_THRESHOLD = 0.97;
    /** Default number of batches whose inputs are collected. */
    public static final int DEFAULT_REPRESENTATION_BATCHES = 32;

    private final double threshold;
    private final int representationBatches;
    private final PerTaskAdapters adapters = new PerTaskAdapters("InfLoRA", "inflora-adapters.txt");
    /** Per layer path: orthonormal basis vectors of old tasks' inputs, each of length in. */
    private final Map<String, List<double[]>> bases = new LinkedHashMap<>();

    /**
     * InfLoRA with the default threshold and representation budget.
     *
     * @param lora adapter targets, rank and alpha
     */
    public InfLora(LoraConfig lora) {
        this(lora, DEFAULT_THRESHOLD, DEFAULT_REPRESENTATION_BATCHES);
    }

    /**
     * InfLoRA.
     *
     * @param lora adapter targets, rank and alpha; plain LoRA only (a DoRA config is refused)
     * @param energyThreshold fraction of input energy the basis must capture, in (0, 1]
     * @param representationBatches batches of the task's training split whose inputs are collected, at least 1
     */
    public InfLora(LoraConfig lora, double energyThreshold, int representationBatches) {
        super(PerTaskAdapters.requirePlainLora(Objects.requireNonNull(lora, "lora"), "InfLoRA",
                "fixing A in the subspace orthogonal to old inputs and training B only"), ID, "InfLoRA");
        if (!(energyThreshold > 0 && energyThreshold <= 1)) {
            throw new IllegalArgumentException("energyThreshold must be in (0, 1], got " + energyThreshold);
        }
        if (representationBatches < 1) {
            throw new IllegalArgumentException("representationBatches must be >= 1, got " + representationBatches);
        }
        this.threshold = energyThreshold;
        this.representationBatches = representationBatches;
    }

    /** The strategy's {@link #id()}. */
    public static final String ID = "inflora";

    @Override
    void putSettings(Map<String, Object> m) {
        m.put("energyThreshold", threshold);
        m.put("representationBatches", representationBatches);
        m.put("basis", "GPM (no DualGPM switch)");
    }

    /**
     * The current basis size per adapted layer (for reports and tests).
     *
     * @return layer path to number of basis vectors
     */
    public Map<String, Integer> basisSizes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        bases.forEach((k, v) -> m.put(k, v.size()));
        return m;
    }

    /**
     * A copy of one layer's basis.
     *
     * @param path an adapted layer's module path
     * @return orthonormal vectors (empty before the first task finished)
     */
    public List<double[]> basis(String path) {
        List<double[]> out = new ArrayList<>();
        bases.getOrDefault(path, List.of()).forEach(v -> out.add(v.clone()));
        return out;
    }

    @Override
    public void beforeTask(ContinualTask task, int index) {
        String name = adapters.start(context().lora(), index, loraConfig());
        Map<String, LoraLinear> layers = context().lora().layersOf(name);
        Map<String, double[][]> covariances = collect(layers, task.train());
        EigenCache eigen = new EigenCache();
        for (Map.Entry<String, LoraLinear> e : layers.entrySet()) {
            LoraLinear layer = e.getValue();
            List<double[]> basis = bases.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
            double[][] projected = project(covariances.get(e.getKey()), basis);
            SymmetricEigen eig = eigen.of(projected);
            int rank = layer.getRank(name);
            int in = (int) layer.getInFeatures();
            if (basis.size() + rank > in) {
                LOG.warn("InfLoRA: layer {} has a basis of {} vectors in {} dimensions: the new A of rank {} "
                        + "cannot be orthogonal to all old inputs", e.getKey(), basis.size(), in, rank);
            }
            float[] a = new float[rank * in];
            for (int r = 0; r < rank; r++) {
                for (int i = 0; i < in; i++) {
                    a[r * in + i] = (float) eig.vectors()[r][i];
                }
            }
            layer.getLoraA(name).getArray().set(a);
            // Only B trains.
            layer.getLoraA(name).freeze(true);
        }
    }

    @Override
    public void afterTask(ContinualTask task, int index) {
        String name = PerTaskAdapters.nameOf(index);
        context().lora().freezeAdapter(name);
        Map<String, LoraLinear> layers = context().lora().layersOf(name);
        Map<String, double[][]> covariances = collect(layers, task.train());
        EigenCache eigen = new EigenCache();
        for (String path : layers.keySet()) {
            grow(bases.computeIfAbsent(path, k -> new ArrayList<>()), covariances.get(path), threshold, eigen);
        }
        LOG.info("InfLoRA: basis sizes after task {}: {}", index, basisSizes());
    }

    /** Input covariances X^T X per layer over the first batches of {@code data}, summed in float on device. */
    private Map<String, double[][]> collect(Map<String, LoraLinear> layers, TaskData data) {
        Map<String, double[][]> out = new LinkedHashMap<>();
        try (NDManager sums = context().manager().newSubManager()) {
            Map<LoraLinear, NDArray> acc = new LinkedHashMap<>();
            // Only this strategy's own registrations are removed: other observers of the layers stay.
            List<LoraLinear.InputObserverHandle> handles = new ArrayList<>();
            try {
                for (LoraLinear layer : layers.values()) {
                    long in = layer.getInFeatures();
                    NDArray sum = sums.zeros(new Shape(in, in), DataType.FLOAT32);
                    acc.put(layer, sum);
                    handles.add(layer.addInputObserver((l, x, training) -> {
                        NDArray flat = x.stopGradient().reshape(-1, in).toType(DataType.FLOAT32, false);
                        sum.addi(flat.transpose().matMul(flat));
                    }));
                }
                context().forwardPasses(data, representationBatches);
            } finally {
                handles.forEach(LoraLinear.InputObserverHandle::close);
            }
            for (Map.Entry<String, LoraLinear> e : layers.entrySet()) {
                int in = (int) e.getValue().getInFeatures();
                float[] c = acc.get(e.getValue()).toFloatArray();
                double[][] m = new double[in][in];
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < in; j++) {
                        // Symmetrise away float rounding differences between (i, j) and (j, i).
                        m[i][j] = 0.5 * ((double) c[i * in + j] + c[j * in + i]);
                    }
                }
                out.put(e.getKey(), m);
            }
        }
        return out;
    }

    /** (I - M M^T) C (I - M M^T) for orthonormal basis vectors M (C symmetric, so P C P = (P (P C)^T)^T). */
    static double[][] project(double[][] c, List<double[]> basis) {
        return transpose(projectColumns(transpose(projectColumns(c, basis)), basis));
    }

    /** P A with P = I - M M^T: every column of A with its components along the basis removed. */
    private static double[][] projectColumns(double[][] a, List<double[]> basis) {
        double[][] cols = transpose(a);
        for (double[] v : cols) {
            for (double[] m : basis) {
                double d = dot(m, v);
                for (int i = 0; i < v.length; i++) {
                    v[i] -= d * m[i];
                }
            }
        }
        return transpose(cols);
    }

    /**
     * GPM basis growth: adds the fewest top eigenvectors of the projected covariance so that the basis captures
     * {@code threshold} of the input energy (trace of C).
     *
     * @param basis orthonormal vectors, extended in place
     * @param c the task's input covariance X^T X
     * @param threshold energy fraction
     * @return number of vectors added
     */
    static int grow(List<double[]> basis, double[][] c, double threshold) {
        return grow(basis, c, threshold, new EigenCache());
    }

    private static int grow(List<double[]> basis, double[][] c, double threshold, EigenCache eigen) {
        int n = c.length;
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += c[i][i];
        }
        if (!(total > 0)) {
            return 0;
        }
        double[][] projected = project(c, basis);
        double remaining = 0;
        for (int i = 0; i < n; i++) {
            remaining += projected[i][i];
        }
        double captured = total - remaining;
        SymmetricEigen eig = eigen.of(projected);
        int added = 0;
        for (int k = 0; k < n && captured / total < threshold && basis.size() < n; k++) {
            if (!(eig.values()[k] > 1e-12 * total)) {
                break;
            }
            double[] v = eig.vectors()[k].clone();
            // Re-orthogonalise against the basis: rounding leaves small components along it.
            for (double[] m : basis) {
                double d = dot(m, v);
                for (int i = 0; i < n; i++) {
                    v[i] -= d * m[i];
                }
            }
            double norm = Math.sqrt(dot(v, v));
            if (norm < 1e-6) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                v[i] /= norm;
            }
            basis.add(v);
            captured += eig.values()[k];
            added++;
        }
        return added;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[][] transpose(double[][] a) {
        int n = a.length;
        int m = n == 0 ? 0 : a[0].length;
        double[][] t = new double[m][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    @Override
    public void saveState(Path dir) throws IOException {
        adapters.save(dir);
        SafetensorsWriter w = new SafetensorsWriter();
        List<String> index = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, List<double[]>> e : bases.entrySet()) {
            index.add(e.getKey());
            List<double[]> b = e.getValue();
            int n = b.isEmpty() ? 0 : b.get(0).length;
            double[] flat = new double[b.size() * n];
            for (int k = 0; k < b.size(); k++) {
                System.arraycopy(b.get(k), 0, flat, k * n, n);
            }
            if (b.isEmpty()) {
                w.putMetadata("empty." + i, "true");
            } else {
                w.putDoubles("basis." + i, new long[] {b.size(), n}, flat);
            }
            i++;
        }
        Files.write(dir.resolve("inflora-layers.txt"), index);
        w.putMetadata("threshold", Double.toString(threshold));
        w.write(dir.resolve("inflora-bases.safetensors"));
    }

    @Override
    public void loadState(Path dir, List<ContinualTask> finished) throws IOException {
        adapters.load(dir, finished, context().lora());
        List<String> paths = Files.readAllLines(dir.resolve("inflora-layers.txt"));
        Map<String, List<double[]>> loaded = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("inflora-bases.safetensors"))) {
            for (int i = 0; i < paths.size(); i++) {
                List<double[]> b = new ArrayList<>();
                String key = "basis." + i;
                if (f.contains(key)) {
                    long[] shape = f.info(key).shape();
                    double[] flat = f.readDoubles(key);
                    int n = (int) shape[1];
                    for (int k = 0; k < shape[0]; k++) {
                        double[] v = new double[n];
                        System.arraycopy(flat, k * n, v, 0, n);
                        b.add(v);
                    }
                }
                loaded.put(paths.get(i), b);
            }
        }
        bases.clear();
        bases.putAll(loaded);
    }

    /**
     * The eigen-decompositions of one task step, shared by layers whose matrices are equal: a transformer's
     * query and value projections read the same hidden states, so their covariances and bases are the same and
     * the O(n^3) decomposition is done once per transformer layer instead of once per adapted module.
     */
    private static final class EigenCache {
        private final List<double[][]> matrices = new ArrayList<>();
        private final List<SymmetricEigen> results = new ArrayList<>();

        SymmetricEigen of(double[][] m) {
            for (int i = 0; i < matrices.size(); i++) {
                if (Arrays.deepEquals(matrices.get(i), m)) {
                    return results.get(i);
                }
            }
            SymmetricEigen e = SymmetricEigen.of(m);
            matrices.add(m);
            results.add(e);
            return e;
        }
    }
}
