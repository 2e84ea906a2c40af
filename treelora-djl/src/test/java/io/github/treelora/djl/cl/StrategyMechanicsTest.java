package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.github.treelora.Preset;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.djl.lora.LoraModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What each strategy does to the adapters, checked against hand computation on the host. */
class StrategyMechanicsTest {

    /**
     * The trainer's own context over a bare backbone (batch 16, seed 0), without the trainer: no head, and nothing
     * but the forward passes that strategies ask for.
     */
    private static StrategyContext context(Backbone backbone, NDManager manager, List<ContinualTask> tasks) {
        return new TrainingRun(ContinualTrainerConfig.builder().batchSize(16).seed(0).build(), backbone,
                new LoraModel(backbone.block()), new TaskObjective.Classification(backbone, null, 0), manager, tasks,
                null, 0, "", System.nanoTime());
    }

    private static void randomise(Parameter p, Random r) {
        float[] v = p.getArray().toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        p.getArray().set(v);
    }

    @Test
    void oLoraPenaltyAndItsGradientMatchTheFormula() {
        List<ContinualTask> tasks = Synthetic.tasks(2, 2, 4, 4, 1, 0.5);
        double lambda1 = 0.7;
        double lambda2 = 0.3;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = Synthetic.backbone(m, 1);
            StrategyContext ctx = context(backbone, m, tasks);
            OLora olora = new OLora(Synthetic.lora(3), lambda1, lambda2);
            olora.attach(ctx);
            olora.beforeTask(tasks.get(0), 0);
            Random r = new Random(3);
            ctx.lora().loraA("task0").values().forEach(p -> randomise(p, r));
            ctx.lora().loraB("task0").values().forEach(p -> randomise(p, r));
            olora.afterTask(tasks.get(0), 0);
            olora.beforeTask(tasks.get(1), 1);
            assertTrue(ctx.lora().layersOf("task0").values().iterator().next().isAdapterFrozen("task0"));
            assertEquals(List.of("task0", "task1"), ctx.lora().activeAdapters(), "old adapter stays active");
            ctx.lora().loraB("task1").values().forEach(p -> randomise(p, r));

            List<Parameter> newA = new ArrayList<>(ctx.lora().loraA("task1").values());
            List<Parameter> newB = new ArrayList<>(ctx.lora().loraB("task1").values());
            List<Parameter> oldA = new ArrayList<>(ctx.lora().loraA("task0").values());
            double expected = 0;
            List<double[]> expectedGrad = new ArrayList<>();
            for (int l = 0; l < newA.size(); l++) {
                float[] a = newA.get(l).getArray().toFloatArray();
                float[] o = oldA.get(l).getArray().toFloatArray();
                float[] b = newB.get(l).getArray().toFloatArray();
                int rank = 3;
                int in = a.length / rank;
                double[] g = new double[a.length];
                for (int i = 0; i < rank; i++) {
                    for (int j = 0; j < rank; j++) {
                        double dot = 0;
                        for (int k = 0; k < in; k++) {
                            dot += a[i * in + k] * o[j * in + k];
                        }
                        expected += lambda1 * Math.abs(dot);
                        // d|A_i . O_j| / dA_i = sign(dot) * O_j
                        for (int k = 0; k < in; k++) {
                            g[i * in + k] += lambda1 * Math.signum(dot) * o[j * in + k];
                        }
                    }
                }
                for (int i = 0; i < a.length; i++) {
                    expected += lambda2 * a[i] * a[i];
                    g[i] += 2 * lambda2 * a[i];
                }
                for (float v : b) {
                    expected += lambda2 * v * v;
                }
                expectedGrad.add(g);
            }
            try (NDManager step = m.newSubManager()) {
                NDArray term;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    term = olora.lossTerm(step);
                    gc.backward(term);
                }
                assertEquals(expected, term.getFloat(), 1e-4 * expected);
                for (int l = 0; l < newA.size(); l++) {
                    float[] grad = newA.get(l).getArray().getGradient().toFloatArray();
                    for (int i = 0; i < grad.length; i++) {
                        assertEquals(expectedGrad.get(l)[i], grad[i], 1e-4, "dA layer " + l + " entry " + i);
                    }
                }
            }
            olora.close();
        }
    }

    @Test
    void infLoraFixesOrthonormalRowsOutsideTheOldInputSubspaceAndTrainsOnlyB() throws IOException {
        // Inputs of task 0 live in a 4-dimensional subspace, so the basis (threshold 0.99) has at most 4 vectors.
        List<ContinualTask> tasks = Synthetic.tasks(2, 2, 32, 4, 7, 0.5);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = Synthetic.backbone(m, 2);
            StrategyContext ctx = context(backbone, m, tasks);
            InfLora inf = new InfLora(Synthetic.lora(2), 0.99, 8);
            inf.attach(ctx);
            inf.beforeTask(tasks.get(0), 0);
            Map<String, LoraLinear> layers = ctx.lora().layersOf("task0");
            for (Map.Entry<String, LoraLinear> e : layers.entrySet()) {
                Parameter a = e.getValue().getLoraA("task0");
                assertFalse(a.requiresGradient(), "A is fixed");
                assertTrue(e.getValue().getLoraB("task0").requiresGradient(), "B trains");
                assertOrthonormalRows(a.getArray().toFloatArray(), 2);
            }
            inf.afterTask(tasks.get(0), 0);
            Map<String, Integer> sizes = inf.basisSizes();
            assertEquals(List.copyOf(layers.keySet()), List.copyOf(sizes.keySet()));
            sizes.values().forEach(k -> assertTrue(k >= 1 && k < Synthetic.HIDDEN, "basis size " + k));
            inf.beforeTask(tasks.get(1), 1);
            for (Map.Entry<String, LoraLinear> e : ctx.lora().layersOf("task1").entrySet()) {
                float[] a = e.getValue().getLoraA("task1").getArray().toFloatArray();
                assertOrthonormalRows(a, 2);
                int in = a.length / 2;
                for (double[] basis : inf.basis(e.getKey())) {
                    for (int row = 0; row < 2; row++) {
                        double dot = 0;
                        for (int i = 0; i < in; i++) {
                            dot += basis[i] * a[row * in + i];
                        }
                        assertEquals(0, dot, 1e-4, "row " + row + " of the new A is orthogonal to the old inputs' "
                                + "basis at " + e.getKey());
                    }
                }
                assertTrue(e.getValue().isAdapterFrozen("task0"), "old adapter frozen");
            }
            assertEquals(List.of("task0", "task1"), ctx.lora().activeAdapters());
            inf.close();
        }
    }

    private static void assertOrthonormalRows(float[] a, int rank) {
        int in = a.length / rank;
        for (int i = 0; i < rank; i++) {
            for (int j = 0; j < rank; j++) {
                double dot = 0;
                for (int k = 0; k < in; k++) {
                    dot += a[i * in + k] * a[j * in + k];
                }
                assertEquals(i == j ? 1.0 : 0.0, dot, 1e-5, "A A^T[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void gpmGrowthAddsTheFewestDirectionsReachingTheEnergyThreshold() {
        // C = Q diag(6, 3, 1, 0) Q^T in a rotated basis: energy 10.
        double[] spectrum = {6, 3, 1, 0};
        double[][] q = rotation(4, new Random(2));
        double[][] c = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 4; k++) {
                    c[i][j] += q[k][i] * spectrum[k] * q[k][j];
                }
            }
        }
        List<double[]> basis = new ArrayList<>();
        assertEquals(1, InfLora.grow(basis, c, 0.6), "6/10 >= 0.6 with one direction");
        assertEquals(1, InfLora.grow(basis, c, 0.85), "(6+3)/10 >= 0.85 needs one more");
        assertEquals(0, InfLora.grow(basis, c, 0.9), "already at 0.9");
        assertEquals(1, InfLora.grow(basis, c, 0.95));
        for (int k = 0; k < 3; k++) {
            double dot = 0;
            for (int i = 0; i < 4; i++) {
                dot += basis.get(k)[i] * q[k][i];
            }
            assertEquals(1, Math.abs(dot), 1e-9, "basis vector " + k + " is eigenvector " + k);
        }
    }

    /** Rows of a random orthogonal matrix (Gram-Schmidt of Gaussian rows). */
    private static double[][] rotation(int n, Random r) {
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                q[i][j] = r.nextGaussian();
            }
            for (int k = 0; k < i; k++) {
                double d = 0;
                for (int j = 0; j < n; j++) {
                    d += q[i][j] * q[k][j];
                }
                for (int j = 0; j < n; j++) {
                    q[i][j] -= d * q[k][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++) {
                norm += q[i][j] * q[i][j];
            }
            for (int j = 0; j < n; j++) {
                q[i][j] /= Math.sqrt(norm);
            }
        }
        return q;
    }

    @Test
    void eigenDecompositionOfACovarianceSatisfiesTheDefinition() {
        Random r = new Random(5);
        int n = 12;
        // A = G G^T: symmetric positive semi-definite, like the covariances InfLoRA decomposes.
        double[][] g = new double[n][n];
        for (double[] row : g) {
            for (int j = 0; j < n; j++) {
                row[j] = r.nextGaussian();
            }
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += g[i][k] * g[j][k];
                }
            }
        }
        SymmetricEigen eig = SymmetricEigen.of(a);
        double trace = 0;
        double sum = 0;
        for (int k = 0; k < n; k++) {
            trace += a[k][k];
            sum += eig.values()[k];
            if (k > 0) {
                assertTrue(eig.values()[k] <= eig.values()[k - 1], "sorted");
            }
            double[] v = eig.vectors()[k];
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += a[i][j] * v[j];
                }
                assertEquals(eig.values()[k] * v[i], av, 1e-10, "A v = lambda v, k " + k);
            }
            for (int l = 0; l < n; l++) {
                double d = 0;
                for (int i = 0; i < n; i++) {
                    d += v[i] * eig.vectors()[l][i];
                }
                assertEquals(k == l ? 1 : 0, d, 1e-10);
            }
        }
        assertEquals(trace, sum, 1e-10);
        // 2x2 by hand: [[2, 1], [1, 2]] has eigenvalues 3 and 1.
        SymmetricEigen small = SymmetricEigen.of(new double[][] {{2, 1}, {1, 2}});
        assertArrayEquals(new double[] {3, 1}, small.values(), 1e-12);
    }

    @Test
    void treeLoraPaperAdaptersShareTheInitialAAndOldOnesStayUnchangedAndActive(@org.junit.jupiter.api.io.TempDir
            Path tmp) throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(3, 2, 16, 8, 3, 0.5);
        Map<String, float[]> initial = new HashMap<>();
        Map<String, List<float[]>> finalA = new HashMap<>();
        TreeLoraStrategy strategy = new TreeLoraStrategy(Synthetic.lora(2),
                TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).build());
        // Record each adapter's A right after beforeTask and right after afterTask.
        ContinualStrategy probe = new Strategies.Failing(strategy, -1, -1) {
            @Override
            public void beforeTask(ContinualTask task, int index) {
                super.beforeTask(task, index);
                for (var e : contextLora.loraA("task" + index).entrySet()) {
                    initial.put(index + ":" + e.getKey(), e.getValue().getArray().toFloatArray());
                }
            }

            @Override
            public void afterTask(ContinualTask task, int index) {
                super.afterTask(task, index);
                for (int k = 0; k <= index; k++) {
                    List<float[]> list = new ArrayList<>();
                    for (Parameter p : contextLora.loraA("task" + k).values()) {
                        list.add(p.getArray().toFloatArray());
                    }
                    for (Parameter p : contextLora.loraB("task" + k).values()) {
                        list.add(p.getArray().toFloatArray());
                    }
                    if (finalA.containsKey("task" + k)) {
                        for (int i = 0; i < list.size(); i++) {
                            assertArrayEquals(finalA.get("task" + k).get(i), list.get(i),
                                    "adapter task" + k + " changed while training task " + index);
                        }
                    } else {
                        finalA.put("task" + k, list);
                    }
                }
                assertEquals(index + 1, strategy.hook().core().memory().size());
                assertEquals(index == 0 ? List.of("task0") : index == 1 ? List.of("task0", "task1")
                        : List.of("task0", "task1", "task2"), contextLora.activeAdapters());
            }

            @Override
            public void attach(StrategyContext context) {
                super.attach(context);
                contextLora = context.lora();
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            new ContinualTrainer(ContinualTrainerConfig.builder().epochs(2).batchSize(8).learningRate(1e-2)
                    .progress(false).build()).run(Synthetic.backbone(m, 5), tasks, probe);
        }
        for (String path : List.of("0", "2")) {
            assertArrayEquals(initial.get("0:" + path), initial.get("1:" + path), "task1 starts from task0's A");
            assertArrayEquals(initial.get("0:" + path), initial.get("2:" + path), "task2 starts from task0's A");
        }
        assertEquals("TreeLoRA-PAPER", strategy.name());
    }

    private static LoraModel contextLora;

    @Test
    void treeLoraReferenceTrainsOneSharedAdapter() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(2, 2, 16, 8, 3, 0.5);
        TreeLoraStrategy strategy = new TreeLoraStrategy(Synthetic.lora(2),
                TreeLoraConfig.builder(Preset.REFERENCE).build());
        ContinualStrategy probe = new Strategies.Failing(strategy, -1, -1) {
            @Override
            public void afterTask(ContinualTask task, int index) {
                super.afterTask(task, index);
                assertEquals(List.of(TreeLoraStrategy.SHARED_ADAPTER), contextLora.adapterNames());
                assertTrue(contextLora.layersOf(TreeLoraStrategy.SHARED_ADAPTER).values().iterator().next()
                        .getLoraA(TreeLoraStrategy.SHARED_ADAPTER).requiresGradient(), "never frozen");
                assertEquals(index + 1, strategy.hook().core().memory().size());
            }

            @Override
            public void attach(StrategyContext context) {
                super.attach(context);
                contextLora = context.lora();
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            new ContinualTrainer(ContinualTrainerConfig.builder().epochs(2).batchSize(8).progress(false).build())
                    .run(Synthetic.backbone(m, 5), tasks, probe);
        }
    }
}
