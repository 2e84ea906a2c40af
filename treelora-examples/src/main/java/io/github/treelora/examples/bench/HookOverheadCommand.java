package io.github.treelora.examples.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.Preset;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.train.MeanSquaredError;
import io.github.treelora.djl.train.TreeLoraHook;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Median training-step time of a small LoRA ViT with and without the TreeLoRA hook, measured in one run with
 * interleaved blocks of steps (so machine noise hits both arms alike). A step is forward, backward, the hook
 * (when on) and an Adam update. The hook runs in its costliest state: one task already stored, so every step
 * accumulates, selects a task per layer, computes distances and adds the rule's term.
 */
@Command(name = "bench-hook", mixinStandardHelpOptions = true,
        description = "Per-step overhead of the TreeLoRA hook on a small LoRA ViT (forward+backward+Adam).")
public final class HookOverheadCommand implements Callable<Integer> {

    @Option(names = "--image", defaultValue = "32", description = "Image side (default ${DEFAULT-VALUE}).")
    int image;

    @Option(names = "--patch", defaultValue = "4", description = "Patch side (default ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--hidden", defaultValue = "192", description = "Width (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "6", description = "Encoder layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank on query and value (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--preset", defaultValue = "PAPER", description = "PAPER or REFERENCE (default ${DEFAULT-VALUE}).")
    Preset preset;

    @Option(names = "--warmup", defaultValue = "30", description = "Warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--blocks", defaultValue = "10", description = "Interleaved blocks per arm (default ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--block-steps", defaultValue = "10", description = "Steps per block (default ${DEFAULT-VALUE}).")
    int blockSteps;

    @Override
    public Integer call() {
        ViTConfig config = new ViTConfig(image, patch, 1, hidden, layers, Math.max(1, hidden / 64),
                4 * hidden, 1e-12f, 10, true, 0f, 0f);
        Random rnd = new Random(1);
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                Model model = Model.newInstance("bench-hook", Device.cpu())) {
            ViTForImageClassification vit = new ViTForImageClassification(config);
            model.setBlock(vit);
            vit.initialize(root, DataType.FLOAT32, new Shape(batch, 1, image, image));
            LoraModel lora = new LoraModel(vit);
            List<String> paths = lora.addAdapter("cl", LoraConfig.builder().rank(rank).alpha(2.0 * rank)
                    .targetModules("query", "value").build());
            DefaultTrainingConfig tc = new DefaultTrainingConfig(new MeanSquaredError())
                    .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(tc);
                    TreeLoraHook hook = new TreeLoraHook(lora, "cl", TreeLoraConfig.of(preset), root)) {
                // Store one task so that every measured step selects and applies the rule.
                hook.startTask(0);
                hook.startEpoch(5);
                for (int s = 0; s < 5; s++) {
                    step(trainer, hook, rnd, true);
                }
                hook.finishTask();
                hook.startTask(1);
                hook.startEpoch(1_000_000);
                for (int s = 0; s < warmup; s++) {
                    step(trainer, hook, rnd, s % 2 == 0);
                }
                List<Double> without = new ArrayList<>();
                List<Double> with = new ArrayList<>();
                List<Double> hookOnly = new ArrayList<>();
                for (int b = 0; b < blocks; b++) {
                    for (int s = 0; s < blockSteps; s++) {
                        without.add(step(trainer, hook, rnd, false)[0]);
                    }
                    for (int s = 0; s < blockSteps; s++) {
                        double[] t = step(trainer, hook, rnd, true);
                        with.add(t[0]);
                        hookOnly.add(t[1]);
                    }
                }
                double m0 = median(without);
                double m1 = median(with);
                System.out.printf(Locale.ROOT,
                        "ViT image %d patch %d hidden %d layers %d batch %d, LoRA r=%d on %d modules, preset %s,"
                                + " threads %s%n",
                        image, patch, hidden, layers, batch, rank, paths.size(), preset,
                        System.getProperty("ai.djl.pytorch.num_threads", "default"));
                System.out.printf(Locale.ROOT, "median step without hook: %.2f ms (n=%d)%n", m0, without.size());
                System.out.printf(Locale.ROOT, "median step with hook:    %.2f ms (n=%d)%n", m1, with.size());
                System.out.printf(Locale.ROOT, "median hook call alone:   %.3f ms%n", median(hookOnly));
                System.out.printf(Locale.ROOT, "overhead ratio: %.4f%n", m1 / m0);
            }
        }
        return 0;
    }

    /** One step; returns {total ms, hook ms}. */
    private double[] step(Trainer trainer, TreeLoraHook hook, Random rnd, boolean withHook) {
        try (NDManager step = trainer.getManager().newSubManager()) {
            float[] x = new float[batch * image * image];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            int[] labels = new int[batch];
            Arrays.setAll(labels, i -> rnd.nextInt(10));
            NDArray input = step.create(x, new Shape(batch, 1, image, image));
            NDArray oneHot = step.create(labels).oneHot(10);
            long t0 = System.nanoTime();
            long hookNanos = 0;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(input)).singletonOrThrow();
                NDArray loss = logits.logSoftmax(-1).mul(oneHot).sum(new int[] {1}).neg().mean();
                gc.backward(loss);
                if (withHook) {
                    long h0 = System.nanoTime();
                    hook.afterBackward(loss.getFloat());
                    hookNanos = System.nanoTime() - h0;
                }
            }
            trainer.step();
            return new double[] {(System.nanoTime() - t0) / 1e6, hookNanos / 1e6};
        }
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }
}
