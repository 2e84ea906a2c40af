package io.github.treelora.djl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.Preset;
import io.github.treelora.StepReport;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The TreeLoRA hook on a small LoRA MLP over three synthetic regression tasks: tasks 0 and 2 are the same
 * problem, task 1 a different one.
 */
class TreeLoraHookTest {

    private static final int IN = 64;
    private static final int OUT = 16;
    private static final int BATCH = 16;
    private static final float LR = 0.05f;

    private static Model model(NDManager manager) {
        SequentialBlock mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(128).build())
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(128).build())
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(OUT).build());
        Model model = Model.newInstance("hook-test", Device.cpu());
        model.setBlock(mlp);
        mlp.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(BATCH, IN));
        return model;
    }

    private static float[][] teacher(long seed) {
        Random r = new Random(seed);
        float[][] w = new float[OUT][IN];
        for (float[] row : w) {
            for (int i = 0; i < IN; i++) {
                row[i] = (float) r.nextGaussian();
            }
        }
        return w;
    }

    /** A batch of y = tanh(W x) for the task's teacher W. */
    private static NDList batch(NDManager m, float[][] w, Random r) {
        float[] x = new float[BATCH * IN];
        float[] y = new float[BATCH * OUT];
        for (int b = 0; b < BATCH; b++) {
            for (int i = 0; i < IN; i++) {
                x[b * IN + i] = (float) r.nextGaussian();
            }
            for (int o = 0; o < OUT; o++) {
                double s = 0;
                for (int i = 0; i < IN; i++) {
                    s += w[o][i] * x[b * IN + i];
                }
                y[b * OUT + o] = (float) Math.tanh(s);
            }
        }
        return new NDList(m.create(x, new Shape(BATCH, IN)), m.create(y, new Shape(BATCH, OUT)));
    }

    private static Trainer sgdTrainer(Model model) {
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(new MeanSquaredError())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LR)).build())
                .optDevices(new Device[] {Device.cpu()});
        Trainer trainer = model.newTrainer(cfg);
        trainer.initialize(new Shape(BATCH, IN));
        return trainer;
    }

    @Test
    void task2IsTiedToTask0WithTheSpecifiedTermSize() {
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Model model = model(root)) {
            // PAPER (docs/algorithm.md): one adapter per task, trained alone; its A gradients are the task's vectors.
            LoraModel lora = new LoraModel(model.getBlock());
            LoraConfig cfg = LoraConfig.builder().rank(8).alpha(16).targetModules("0", "2", "4").build();
            for (int t = 0; t < 3; t++) {
                List<String> paths = lora.addAdapter("task" + t, cfg);
                assertEquals(List.of("0", "2", "4"), paths, "layer order is input to output");
            }
            // Gradients of different adapters are comparable only in shared coordinates: every task's adapter
            // starts from the same A (B = 0), as a seeded initialisation gives.
            for (int t = 1; t < 3; t++) {
                for (String path : paths(lora)) {
                    lora.loraA("task" + t).get(path).getArray().set(
                            lora.loraA("task0").get(path).getArray().toFloatArray());
                }
            }
            double lambda = 0.3;
            TreeLoraConfig config = TreeLoraConfig.builder(Preset.PAPER).lambda(lambda).build();
            float[][][] teachers = {teacher(1), teacher(2), teacher(1)};
            Random data = new Random(5);
            int steps = 150;
            int picksOfTask0 = 0;
            int picks = 0;
            try (Trainer trainer = sgdTrainer(model);
                    TreeLoraHook hook = new TreeLoraHook(lora, "task0", config, root)) {
                for (int task = 0; task < 3; task++) {
                    String name = "task" + task;
                    lora.setActiveAdapters(name);
                    for (int t = 0; t < 3; t++) {
                        if (t == task) {
                            lora.unfreezeAdapter("task" + t);
                        } else {
                            lora.freezeAdapter("task" + t);
                        }
                    }
                    hook.trackAdapter(name);
                    List<Parameter> aParams = new ArrayList<>(lora.loraA(name).values());
                    hook.startTask(task);
                    hook.startEpoch(steps);
                    for (int s = 0; s < steps; s++) {
                        try (NDManager step = trainer.getManager().newSubManager()) {
                            NDList xy = batch(step, teachers[task], data);
                            StepReport report;
                            List<float[]> before = new ArrayList<>();
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray pred = trainer.forward(new NDList(xy.get(0))).singletonOrThrow();
                                NDArray loss = new MeanSquaredError().evaluate(new NDList(xy.get(1)), new NDList(pred));
                                gc.backward(loss);
                                for (Parameter a : aParams) {
                                    before.add(a.getArray().getGradient().toFloatArray());
                                }
                                report = hook.afterBackward(loss.getFloat());
                            }
                            if (task > 0) {
                                for (int l = 0; l < aParams.size(); l++) {
                                    float[] after = aParams.get(l).getArray().getGradient().toFloatArray();
                                    double added = 0;
                                    double g = 0;
                                    for (int i = 0; i < after.length; i++) {
                                        added += Math.pow(after[i] - before.get(l)[i], 2);
                                        g += Math.pow(before.get(l)[i], 2);
                                    }
                                    // PAPER rule: the added term is lambda * |g| / |v| * v, of norm lambda * |g|.
                                    assertEquals(lambda * Math.sqrt(g), Math.sqrt(added), 1e-3 * Math.sqrt(g) + 1e-9,
                                            "term size at task " + task + " step " + s + " layer " + l);
                                }
                            } else {
                                assertFalse(report.selected());
                            }
                            if (task == 2 && s >= 3) {
                                for (int k : report.selectedTasks()) {
                                    picks++;
                                    picksOfTask0 += k == 0 ? 1 : 0;
                                }
                            }
                            trainer.step();
                        }
                    }
                    if (task == 2) {
                        var core = hook.core();
                        for (int l = 0; l < 3; l++) {
                            double d0 = core.ops().l1Distance(core.currentMeans().get(l),
                                    core.memory().slots().get(0).vectors().get(l));
                            double d1 = core.ops().l1Distance(core.currentMeans().get(l),
                                    core.memory().slots().get(1).vectors().get(l));
                            System.out.printf("layer %d: L1 distance to task 0 %.4f, to task 1 %.4f%n", l, d0, d1);
                            assertTrue(d0 < d1, "task 2's vectors are closer to task 0's at layer " + l);
                        }
                    }
                    hook.finishTask();
                }
                assertEquals(3, hook.core().memory().size());
            }
            System.out.println("task 0 picked in " + picksOfTask0 + " of " + picks + " layer-steps of task 2");
            assertTrue(picksOfTask0 > picks / 2,
                    "while training task 2 the selector picked task 0 in " + picksOfTask0 + " of " + picks
                            + " layer-steps");
        }
    }

    private static List<String> paths(LoraModel lora) {
        return lora.modulePaths("task0");
    }

    @Test
    void viaTrainerListenerTheOptimizerAppliesTheModifiedGradient() {
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Model model = model(root)) {
            LoraModel lora = new LoraModel(model.getBlock());
            lora.addAdapter("cl", LoraConfig.builder().rank(2).alpha(2).targetModules("2").build());
            Parameter a = lora.loraA("cl").values().iterator().next();
            List<float[]> captured = new ArrayList<>();
            TrainingListenerAdapter capture = new TrainingListenerAdapter() {
                @Override
                public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                    captured.add(a.getArray().getGradient().toFloatArray());
                }
            };
            Random data = new Random(9);
            try (TreeLoraHook hook = new TreeLoraHook(lora, "cl",
                    TreeLoraConfig.builder(Preset.PAPER).lambda(0.5).build(), root)) {
                for (int task = 0; task < 2; task++) {
                    DefaultTrainingConfig cfg = new DefaultTrainingConfig(new MeanSquaredError())
                            .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LR)).build())
                            .optDevices(new Device[] {Device.cpu()})
                            .addTrainingListeners(capture, new TreeLoraTrainingListener(hook, 3));
                    try (Trainer trainer = model.newTrainer(cfg)) {
                        trainer.initialize(new Shape(BATCH, IN));
                        hook.startTask(task);
                        for (int s = 0; s < 3; s++) {
                            try (NDManager step = trainer.getManager().newSubManager()) {
                                NDList xy = batch(step, teacher(task + 1), data);
                                float[] aBefore = a.getArray().toFloatArray();
                                Batch b = new Batch(step, new NDList(xy.get(0)), new NDList(xy.get(1)), 1, null,
                                        null, 0, 1);
                                captured.clear();
                                EasyTrain.trainBatch(trainer, b);
                                float[] gHooked = a.getArray().getGradient().toFloatArray();
                                trainer.step();
                                float[] aAfter = a.getArray().toFloatArray();
                                float[] g = captured.get(0);
                                double gn = 0;
                                double dn = 0;
                                for (int i = 0; i < g.length; i++) {
                                    // Plain SGD: A_new = A_old - lr * (g + term).
                                    assertEquals(aBefore[i] - LR * gHooked[i], aAfter[i], 1e-6);
                                    gn += g[i] * g[i];
                                    dn += Math.pow(gHooked[i] - g[i], 2);
                                }
                                double expected = task == 0 ? 0 : 0.5 * Math.sqrt(gn);
                                assertEquals(expected, Math.sqrt(dn), 1e-3 * Math.sqrt(gn) + 1e-9);
                            }
                        }
                        trainer.notifyListeners(l -> l.onEpoch(trainer));
                        hook.finishTask();
                    }
                }
                assertEquals(2, hook.core().memory().size());
            }
        }
    }

    @Test
    void frozenAdapterWithoutGradientIsAClearError() {
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Model model = model(root)) {
            LoraModel lora = new LoraModel(model.getBlock());
            lora.addAdapter("cl", LoraConfig.builder().rank(2).targetModules("0").build());
            lora.freezeAdapter("cl");
            try (TreeLoraHook hook = new TreeLoraHook(lora, "cl", TreeLoraConfig.of(Preset.PAPER), root)) {
                hook.startTask(0);
                hook.startEpoch(1);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> hook.afterBackward(1.0));
                assertTrue(e.getMessage().contains("no gradient"), e.getMessage());
                assertThrows(IllegalArgumentException.class,
                        () -> new TreeLoraHook(lora, "nope", TreeLoraConfig.of(Preset.PAPER), root));
            }
            assertArrayEquals(new String[] {"cl"}, lora.adapterNames().toArray(new String[0]));
        }
    }
}
