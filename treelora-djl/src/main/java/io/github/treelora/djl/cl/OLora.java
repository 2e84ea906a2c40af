package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraLinear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * O-LoRA (Wang et al., 2023; spec section 4): a new adapter {@code task<k>} per task; older adapters are
 * frozen and stay active. While task k trains, the loss gets
 * <pre>
 * lambda1 * sum_layers sum_{i &lt; k} || A_k A_i^T ||_1  +  lambda2 * sum_layers (||A_k||_F^2 + ||B_k||_F^2)
 * </pre>
 * ({@code ||.||_1}: sum of absolute entries): the first term pushes the rows of the new down-projection to be
 * orthogonal to the old ones, so the new update lives in a subspace the old tasks do not use. Defaults follow
 * the O-LoRA paper's setting: {@code lambda1 = 0.5}, {@code lambda2 = 0}.
 *
 * <p>Implementation: per task the old A matrices of each layer are stacked once into a detached
 * {@code [sum r_i, in]} array, so the penalty costs one matmul per layer and step. The new A enters the graph
 * through a product with a step-owned array of ones, so every intermediate belongs to the step's manager.
 */
public final class OLora extends LoraStrategy {

    /** Default weight of the orthogonality term. */
    public static final double DEFAULT_LAMBDA1 = 0.5;
    /** Default weight of the L2 term. */
    public static final double DEFAULT_LAMBDA2 = 0.0;

    private final double lambda1;
    private final double lambda2;
    private final PerTaskAdapters adapters = new PerTaskAdapters("O-LoRA", "olora-adapters.txt");
    private NDManager taskManager;
    /** Per layer of the current adapter: its A, B and the stacked old A's transposed ({@code [in, sum r]}). */
    private final List<Parameter> currentA = new ArrayList<>();
    private final List<Parameter> currentB = new ArrayList<>();
    private final List<NDArray> oldAT = new ArrayList<>();

    /**
     * O-LoRA with the default weights.
     *
     * @param lora adapter targets, rank and alpha (every task's adapter uses it)
     */
    public OLora(LoraConfig lora) {
        this(lora, DEFAULT_LAMBDA1, DEFAULT_LAMBDA2);
    }

    /**
     * O-LoRA.
     *
     * @param lora adapter targets, rank and alpha; plain LoRA only (a DoRA config is refused)
     * @param lambda1 orthogonality weight, finite and &gt;= 0
     * @param lambda2 L2 weight, finite and &gt;= 0
     */
    public OLora(LoraConfig lora, double lambda1, double lambda2) {
        super(PerTaskAdapters.requirePlainLora(Objects.requireNonNull(lora, "lora"), "O-LoRA",
                "keeping the new A orthogonal to the old ones"), ID, "O-LoRA");
        if (!(lambda1 >= 0) || Double.isInfinite(lambda1) || !(lambda2 >= 0) || Double.isInfinite(lambda2)) {
            throw new IllegalArgumentException("O-LoRA lambdas must be finite and >= 0, got lambda1 " + lambda1
                    + ", lambda2 " + lambda2);
        }
        this.lambda1 = lambda1;
        this.lambda2 = lambda2;
    }

    /** The strategy's {@link #id()}. */
    public static final String ID = "olora";

    @Override
    void putSettings(Map<String, Object> m) {
        m.put("lambda1", lambda1);
        m.put("lambda2", lambda2);
    }

    @Override
    public void beforeTask(ContinualTask task, int index) {
        List<String> olds = List.copyOf(adapters.names());
        String name = adapters.start(context().lora(), index, loraConfig());
        closeTaskArrays();
        taskManager = context().manager().newSubManager();
        for (Map.Entry<String, LoraLinear> e : context().lora().layersOf(name).entrySet()) {
            LoraLinear layer = e.getValue();
            currentA.add(layer.getLoraA(name));
            currentB.add(layer.getLoraB(name));
            NDList oldAs = new NDList();
            for (String old : olds) {
                if (layer.hasAdapter(old)) {
                    NDArray a = layer.getLoraA(old).getArray().stopGradient();
                    a.attach(taskManager);
                    oldAs.add(a);
                }
            }
            oldAT.add(oldAs.isEmpty() ? null : NDArrays.concat(oldAs, 0).transpose());
        }
    }

    @Override
    public NDArray lossTerm(NDManager step) {
        boolean orth = lambda1 > 0 && oldAT.stream().anyMatch(Objects::nonNull);
        if (!orth && lambda2 == 0) {
            return null;
        }
        NDArray one = step.ones(new ai.djl.ndarray.types.Shape());
        NDArray orthSum = step.zeros(new ai.djl.ndarray.types.Shape());
        NDArray l2Sum = step.zeros(new ai.djl.ndarray.types.Shape());
        for (int l = 0; l < currentA.size(); l++) {
            // one * A: the product (and everything computed from it) belongs to the step's manager.
            NDArray a = one.mul(currentA.get(l).getArray());
            if (orth && oldAT.get(l) != null) {
                orthSum = orthSum.add(a.matMul(oldAT.get(l)).abs().sum());
            }
            if (lambda2 > 0) {
                NDArray b = one.mul(currentB.get(l).getArray());
                l2Sum = l2Sum.add(a.square().sum()).add(b.square().sum());
            }
        }
        NDArray term = orthSum.mul(step.create((float) lambda1));
        return lambda2 > 0 ? term.add(l2Sum.mul(step.create((float) lambda2))) : term;
    }

    @Override
    public void afterTask(ContinualTask task, int index) {
        context().lora().freezeAdapter(PerTaskAdapters.nameOf(index));
        closeTaskArrays();
    }

    @Override
    public void saveState(Path dir) throws IOException {
        adapters.save(dir);
    }

    @Override
    public void loadState(Path dir, List<ContinualTask> finished) throws IOException {
        adapters.load(dir, finished, context().lora());
    }

    @Override
    public void close() {
        closeTaskArrays();
    }

    private void closeTaskArrays() {
        currentA.clear();
        currentB.clear();
        oldAT.clear();
        if (taskManager != null) {
            taskManager.close();
            taskManager = null;
        }
    }
}
