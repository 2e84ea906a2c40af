package io.github.treelora.djl.lora;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.train.MeanSquaredError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Shared helpers for the LoRA tests: a scalar-trap-free loss, a trainer, snapshots and references. */
final class LoraTestSupport {

    private LoraTestSupport() {
    }

    /** A trainer with Adam (learning rate {@code lr}) and {@link MeanSquaredError} on the CPU, initialised with the shapes. */
    static Trainer adamTrainer(Model model, float lr, Shape... inputShapes) {
        DefaultTrainingConfig config = new DefaultTrainingConfig(new MeanSquaredError())
                .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(lr)).build())
                .optDevices(new Device[] {Device.cpu()});
        Trainer trainer = model.newTrainer(config);
        trainer.initialize(inputShapes);
        return trainer;
    }

    /** One training step with per-step manager scoping; returns the loss. */
    static float trainStep(Trainer trainer, float[] x, Shape xShape, float[] y, Shape yShape) {
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDArray input = step.create(x, xShape);
            NDArray label = step.create(y, yShape);
            float loss;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray pred = trainer.forward(new NDList(input)).singletonOrThrow();
                NDArray l = trainer.getLoss().evaluate(new NDList(label), new NDList(pred));
                gc.backward(l);
                loss = l.getFloat();
            }
            trainer.step();
            return loss;
        }
    }

    /** Deterministic uniform floats in [-1, 1). */
    static float[] randomFloats(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() * 2 - 1;
        }
        return v;
    }

    /**
     * Copies of all parameter values of a block, keyed by {@link Parameter#getId()} (DJL's parameter paths
     * change when a layer is wrapped, the parameter objects do not).
     */
    static Map<String, float[]> snapshot(Block block) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var p : block.getParameters()) {
            out.put(p.getValue().getId(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** Inference-mode output of a block on {@code x}, as floats. */
    static float[] predict(Block block, NDManager manager, NDList inputs) {
        try (NDManager scope = manager.newSubManager()) {
            NDList copy = new NDList();
            for (NDArray a : inputs) {
                copy.add(a.duplicate());
            }
            copy.attach(scope);
            return block.forward(new ai.djl.training.ParameterStore(scope, false), copy, false)
                    .singletonOrThrow().toFloatArray();
        }
    }

    /** {@code x [n, in] * m^T} with {@code m [out, in]}, in double precision. */
    static double[] matmulT(double[] x, int n, int in, double[] m, int out) {
        double[] y = new double[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += x[i * in + k] * m[o * in + k];
                }
                y[i * out + o] = s;
            }
        }
        return y;
    }

    /**
     * Hand computation of a LoRA layer: {@code x W^T + b + sum_i s_i (x A_i^T) B_i^T} over {@code adapters},
     * in double, from the layer's float arrays. {@code x} is {@code [rows, in]}.
     */
    static double[] loraReference(LoraLinear lora, double[] x, int rows, java.util.List<String> adapters) {
        int in = (int) lora.getInFeatures();
        int out = (int) lora.getOutFeatures();
        double[] y = matmulT(x, rows, in, values(lora.getBaseWeight()), out);
        if (lora.getBaseBias() != null) {
            double[] bias = values(lora.getBaseBias());
            for (int i = 0; i < rows; i++) {
                for (int o = 0; o < out; o++) {
                    y[i * out + o] += bias[o];
                }
            }
        }
        for (String n : adapters) {
            int r = lora.getRank(n);
            double[] down = matmulT(x, rows, in, values(lora.getLoraA(n)), r);
            double[] up = matmulT(down, rows, r, values(lora.getLoraB(n)), out);
            for (int i = 0; i < y.length; i++) {
                y[i] += lora.getScaling(n) * up[i];
            }
        }
        return y;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static double[] values(Parameter p) {
        return toDouble(p.getArray().toFloatArray());
    }

    /** Resident set size of this process in kB, from /proc/self/status. */
    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
