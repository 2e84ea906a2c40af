package io.github.treelora.examples.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.models.ModelFamilies;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.train.MeanSquaredError;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A LoRA ViT classifier, its Adam trainer and one timed training step on a synthetic batch, shared by the
 * benchmark commands ({@code bench-hook}, {@code bench-step}) so that they time the same step.
 *
 * <p>The model is the project's ViT (pre-norm, HF layout, LayerNorm eps 1e-12, no dropout) with LoRA of rank
 * r and alpha 2r on every {@code query} and {@code value} layer. As in PEFT, injection freezes every other
 * parameter (the classifier included), so Adam updates only the LoRA A and B matrices. The loss is cross
 * entropy written as {@code -mean(sum(logSoftmax(logits) * oneHot))}. A step is forward, backward, an
 * optional callback after backward, and {@code trainer.step()}; drawing the batch is not timed.
 */
final class LoraVitStepRig implements AutoCloseable {

    /** Classes of the synthetic task. */
    static final int LABELS = 10;

    /**
     * Shapes of the benchmarked model and batch.
     *
     * @param image image side
     * @param patch patch side
     * @param channels input channels
     * @param hidden width
     * @param layers encoder layers
     * @param heads attention heads
     * @param mlp feed-forward width
     * @param batch batch size
     * @param rank LoRA rank on query and value
     */
    record Spec(int image, int patch, int channels, int hidden, int layers, int heads, int mlp, int batch,
            int rank) {

        /** Checks the values that {@link ViTConfig} does not check. */
        Spec {
            if (batch <= 0) {
                throw new IllegalArgumentException("batch must be > 0, got " + batch);
            }
            if (rank <= 0) {
                throw new IllegalArgumentException("LoRA rank must be > 0, got " + rank);
            }
        }

        /**
         * The ViT configuration (HF defaults: eps 1e-12, qkv bias, no dropout).
         *
         * @return the config
         * @throws IllegalArgumentException if the shapes are inconsistent (e.g. image not a multiple of patch)
         */
        ViTConfig vitConfig() {
            return new ViTConfig(image, patch, channels, hidden, layers, heads, mlp, 1e-12f, LABELS, true, 0f, 0f);
        }
    }

    /** Work run between backward and the optimizer step, inside the gradient collector (e.g. a hook). */
    interface AfterBackward {
        /**
         * Called once per step.
         *
         * @param loss the step's loss (a scalar in the step's manager)
         */
        void run(NDArray loss);
    }

    private final Spec spec;
    private final NDManager root;
    private final Model model;
    private final LoraModel lora;
    private final List<String> adapterPaths;
    private final Trainer trainer;
    private final Random rnd;

    private LoraVitStepRig(Spec spec, long seed) {
        this.spec = spec;
        ViTConfig config = spec.vitConfig();
        this.rnd = new Random(seed);
        this.root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        this.model = Model.newInstance("lora-vit-step", Device.cpu());
        ViTForImageClassification vit = new ViTForImageClassification(config);
        model.setBlock(vit);
        vit.initialize(root, DataType.FLOAT32, new Shape(spec.batch(), spec.channels(), spec.image(), spec.image()));
        this.lora = new LoraModel(vit);
        this.adapterPaths = lora.addAdapter("cl", LoraConfig.builder().rank(spec.rank()).alpha(2.0 * spec.rank())
                .targetModules(ModelFamilies.of(ViTForImageClassification.class).defaultLoraTargets()).build());
        // The loss passed here is unused: the step computes its own cross entropy.
        DefaultTrainingConfig tc = new DefaultTrainingConfig(new MeanSquaredError())
                .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                .optDevices(new Device[] {Device.cpu()});
        this.trainer = model.newTrainer(tc);
    }

    /**
     * Builds the model, injects LoRA and creates the trainer.
     *
     * @param spec shapes
     * @param seed seed of the synthetic batches
     * @return the rig; close it when done
     * @throws IllegalArgumentException if the shapes are inconsistent
     */
    static LoraVitStepRig create(Spec spec, long seed) {
        spec.vitConfig(); // validate before allocating native resources
        return new LoraVitStepRig(spec, seed);
    }

    /**
     * The LoRA view of the model.
     *
     * @return the wrapper around the ViT
     */
    LoraModel lora() {
        return lora;
    }

    /**
     * The adapted module paths, in layer order.
     *
     * @return paths of the query and value layers
     */
    List<String> adapterPaths() {
        return adapterPaths;
    }

    /**
     * A long-lived manager for state that outlives steps (e.g. a hook's buffers).
     *
     * @return the rig's base manager
     */
    NDManager manager() {
        return root;
    }

    /**
     * Number of trainable scalars (parameters not frozen), i.e. what Adam updates.
     *
     * @return the count
     */
    long trainableParameters() {
        long n = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }

    /**
     * One training step on a fresh random batch (Gaussian pixels, uniform labels).
     *
     * @param afterBackward run after backward, or null
     * @return {step ms, afterBackward ms}; the step time includes the callback
     */
    double[] step(AfterBackward afterBackward) {
        // Per-step sub-manager: every array of the step is freed when it closes (ops on parameters would leak).
        try (NDManager step = trainer.getManager().newSubManager()) {
            int b = spec.batch();
            float[] x = new float[b * spec.channels() * spec.image() * spec.image()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            int[] labels = new int[b];
            Arrays.setAll(labels, i -> rnd.nextInt(LABELS));
            NDArray input = step.create(x, new Shape(b, spec.channels(), spec.image(), spec.image()));
            NDArray oneHot = step.create(labels).oneHot(LABELS);
            long t0 = System.nanoTime();
            long cbNanos = 0;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(input)).singletonOrThrow();
                NDArray loss = logits.logSoftmax(-1).mul(oneHot).sum(new int[] {1}).neg().mean();
                gc.backward(loss);
                if (afterBackward != null) {
                    long h0 = System.nanoTime();
                    afterBackward.run(loss);
                    cbNanos = System.nanoTime() - h0;
                }
            }
            trainer.step();
            return new double[] {(System.nanoTime() - t0) / 1e6, cbNanos / 1e6};
        }
    }

    /**
     * Median of a list of values (mean of the two middle ones for an even count).
     *
     * @param values at least one value
     * @return the median
     * @throws IllegalArgumentException if values is empty
     */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /** Closes the trainer, the model and the base manager. */
    @Override
    public void close() {
        trainer.close();
        model.close();
        root.close();
    }
}
