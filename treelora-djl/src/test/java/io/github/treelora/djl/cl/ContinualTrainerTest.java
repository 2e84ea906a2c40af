package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's bookkeeping against hand computation, checkpoints under failures, and bad inputs. */
class ContinualTrainerTest {

    @TempDir
    Path tmp;

    private static ContinualTrainerConfig.Builder config() {
        return ContinualTrainerConfig.builder().epochs(2).batchSize(16).learningRate(1e-2).seed(4).progress(false);
    }

    /** Host copies of the two Linear layers' weights and biases of the synthetic MLP, before any training. */
    private static List<float[]> weights(Block mlp) {
        List<float[]> out = new ArrayList<>();
        for (int child : new int[] {0, 2}) {
            Block linear = mlp.getChildren().get(child).getValue();
            out.add(linear.getParameters().get("weight").getArray().toFloatArray());
            out.add(linear.getParameters().get("bias").getArray().toFloatArray());
        }
        return out;
    }

    /** Features of the MLP computed on the host in double precision: tanh(W2 tanh(W1 x + b1) + b2). */
    private static double[] features(List<float[]> w, float[] x) {
        double[] h = dense(w.get(0), w.get(1), toDouble(x));
        double[] f = dense(w.get(2), w.get(3), h);
        return f;
    }

    private static double[] dense(float[] weight, float[] bias, double[] x) {
        int out = bias.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = bias[o];
            for (int i = 0; i < x.length; i++) {
                s += weight[o * x.length + i] * x[i];
            }
            y[o] = Math.tanh(s);
        }
        return y;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** Accuracy of the fixed model on a task's test split with only {@code visible} classes allowed. */
    private static double handAccuracy(List<float[]> w, float[] headW, float[] headB, ContinualTask t,
            int[] visible, NDManager m) {
        int correct = 0;
        TaskData test = t.test();
        for (int i = 0; i < test.size(); i++) {
            float[] x = test.batch(new int[] {i}, m).inputs().get(0).toFloatArray();
            double[] f = features(w, x);
            int best = -1;
            double bestLogit = Double.NEGATIVE_INFINITY;
            for (int c : visible) {
                double z = headB[c];
                for (int d = 0; d < f.length; d++) {
                    z += headW[c * f.length + d] * f[d];
                }
                if (z > bestLogit) {
                    bestLogit = z;
                    best = c;
                }
            }
            correct += best == test.label(i) ? 1 : 0;
        }
        return (double) correct / test.size();
    }

    @Test
    void scriptedTwoTaskRunFillsTheMatrixAndMetricsAsComputedByHand() throws Exception {
        // Learning rate 1e-30: nothing moves (in float32), so every R[i][j] is a fixed function of the initial
        // model and of the visible classes, which is recomputed here on the host.
        List<ContinualTask> tasks = Synthetic.tasks(2, 3, 8, 40, 21, 1.5);
        for (EvaluationProtocol protocol : EvaluationProtocol.values()) {
            Path ckpt = tmp.resolve(protocol.name());
            try (NDManager m = NDManager.newBaseManager("PyTorch")) {
                Backbone backbone = Synthetic.backbone(m, 8);
                List<float[]> w = weights(backbone.block());
                ContinualResult r = new ContinualTrainer(config().learningRate(1e-30).protocol(protocol)
                        .checkpointDir(ckpt).referenceAccuracies(0.25, 0.5).build())
                        .run(backbone, tasks, new SeqLora(Synthetic.lora(2)));
                float[] headW;
                float[] headB;
                try (SafetensorsFile f = SafetensorsFile.open(ckpt.resolve(Checkpoint.HEAD))) {
                    headW = f.readFloats("head.weight");
                    headB = f.readFloats("head.bias");
                }
                List<float[]> after = weights(unwrap(backbone.block()));
                for (int i = 0; i < w.size(); i++) {
                    assertArrayEquals(w.get(i), after.get(i), "frozen backbone weights changed");
                }
                double[][] expected = new double[2][2];
                int[] seen0 = tasks.get(0).classes();
                int[] seen1 = {0, 1, 2, 3, 4, 5};
                for (int j = 0; j < 2; j++) {
                    for (int i = 0; i <= j; i++) {
                        int[] visible = protocol == EvaluationProtocol.TASK_INCREMENTAL ? tasks.get(i).classes()
                                : j == 0 ? seen0 : seen1;
                        expected[i][j] = handAccuracy(w, headW, headB, tasks.get(i), visible, m);
                    }
                }
                double[][] acc = r.accuracy();
                assertEquals(expected[0][0], acc[0][0], 0.0, protocol + " R00");
                assertEquals(expected[0][1], acc[0][1], 0.0, protocol + " R01");
                assertEquals(expected[1][1], acc[1][1], 0.0, protocol + " R11");
                assertTrue(Double.isNaN(acc[1][0]));
                if (protocol == EvaluationProtocol.CLASS_INCREMENTAL) {
                    assertTrue(expected[0][1] <= expected[0][0], "more visible classes cannot help a fixed model");
                } else {
                    assertEquals(acc[0][0], acc[0][1], 0.0, "task-incremental accuracy of a fixed model is constant");
                }
                // Metrics from the spec's formulas on the hand-computed matrix.
                double acc2 = (expected[0][1] + expected[1][1]) / 2;
                double bwt = (expected[0][0] - expected[0][1]) / 2;
                double bwtPublished = Math.min(expected[0][1] - expected[0][0], 0) / 2;
                assertEquals(acc2, r.metrics().accuracy(), 1e-12);
                assertEquals(bwt, r.metrics().backwardTransfer(), 1e-12);
                assertEquals(bwtPublished, r.metrics().backwardTransferPublished(), 1e-12);
                assertArrayEquals(new double[] {expected[0][0] - expected[0][1]}, r.metrics().forgetting(), 1e-12);
                assertEquals(((expected[0][0] - 0.25) + (expected[1][1] - 0.5)) / 2, r.forwardTransfer(), 1e-12);

                JsonNode json = new ObjectMapper().readTree(r.toJson());
                assertTrue(json.path("accuracy").get(1).get(0).isNull(), "undefined entries are null in JSON");
                assertEquals(expected[0][1], json.path("accuracy").get(0).get(1).asDouble(), 0.0);
                assertEquals(acc2, json.path("metrics").path("accuracy").asDouble(), 1e-12);
                assertEquals(protocol.name(), json.path("protocol").asText());
                assertEquals(2, json.path("tasks").size());
                assertEquals(2 * 24, json.path("tasks").get(0).path("samples").asLong(), "2 epochs of 24 samples");
                assertTrue(json.path("tasks").get(0).path("samplesPerSecond").asDouble() > 0);
                assertTrue(json.path("environment").path("javaVersion").isTextual());
            }
        }
    }

    private static Block unwrap(Block mlp) {
        // LoraLinear keeps the original Linear as its child "base": rebuild a view with those in place.
        ai.djl.nn.SequentialBlock view = new ai.djl.nn.SequentialBlock();
        for (var child : mlp.getChildren()) {
            Block b = child.getValue();
            view.add(b instanceof io.github.treelora.djl.lora.LoraLinear l ? l.getBase() : b);
        }
        return view;
    }

    @Test
    void aCrashWhileWritingACheckpointLeavesThePreviousOneLoadableAndResumable() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(3, 2, 16, 8, 2, 0.5);
        Path ckpt = tmp.resolve("ckpt");
        ContinualTrainer trainer = new ContinualTrainer(config().checkpointDir(ckpt).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            IOException e = assertThrows(IOException.class, () -> trainer.run(Synthetic.backbone(m, 1), tasks,
                    new Strategies.Failing(Strategies.create("olora"), -1, 1)));
            assertTrue(e.getMessage().contains("injected"), e.getMessage());
        }
        assertEquals(1, Checkpoint.load(ckpt).completedTasks(), "the checkpoint after task 0 survived");
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of("ckpt"), siblings.map(p -> p.getFileName().toString()).toList(),
                    "no temporary directory is left behind");
        }
        ContinualResult resumed;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            resumed = trainer.resume(Synthetic.backbone(m, 1), tasks, Strategies.create("olora"));
        }
        ContinualResult full;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            full = new ContinualTrainer(config().build()).run(Synthetic.backbone(m, 1), tasks,
                    Strategies.create("olora"));
        }
        assertEquals(1, resumed.resumedAfterTask());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(full.accuracy()[i], resumed.accuracy()[i], 0.0);
        }
    }

    @Test
    void aTasksTrainingTimeIncludesTheStrategysWorkBeforeAndAfterItsEpochs() throws Exception {
        // InfLoRA's representation passes run in beforeTask/afterTask; they are part of what learning a task costs.
        long pauseMillis = 200;
        ContinualStrategy slow = new Strategies.Failing(Strategies.create("seqlora"), -1, -1) {
            @Override
            public void beforeTask(ContinualTask task, int index) {
                pause(pauseMillis);
                super.beforeTask(task, index);
            }

            @Override
            public void afterTask(ContinualTask task, int index) {
                super.afterTask(task, index);
                pause(pauseMillis);
            }
        };
        ContinualResult r;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            r = new ContinualTrainer(config().epochs(1).build()).run(Synthetic.backbone(m, 1),
                    Synthetic.tasks(2, 2, 16, 8, 2, 0.5), slow);
        }
        assertEquals(2, r.tasks().size());
        for (ContinualResult.TaskStats t : r.tasks()) {
            assertTrue(t.trainSeconds() >= 2 * pauseMillis / 1000.0, "task " + t.id() + " trained in "
                    + t.trainSeconds() + " s, less than the strategy's two pauses of " + pauseMillis + " ms");
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSwapInterruptedBetweenItsRenamesIsRecoveredAndAWrongBackboneIsRejected() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(2, 2, 16, 8, 2, 0.5);
        Path ckpt = tmp.resolve("ckpt");
        ContinualTrainer trainer = new ContinualTrainer(config().checkpointDir(ckpt).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            trainer.run(Synthetic.backbone(m, 1), tasks, Strategies.create("seqlora"));
        }
        // A process killed after "move target to .old" and before "move new to target" leaves only the old copy.
        Files.move(ckpt, tmp.resolve(".ckpt.old-1234"));
        assertEquals(2, Checkpoint.load(ckpt).completedTasks());
        assertTrue(Files.isDirectory(ckpt));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone other = Synthetic.backbone(m, 99);
            IOException e = assertThrows(IOException.class, () -> trainer.resume(other, tasks,
                    Strategies.create("seqlora")));
            assertTrue(e.getMessage().contains("backbone 'mlp-99'"), e.getMessage());
            assertTrue(new LoraModel(other.block()).loraLayers().isEmpty(), "the rejected backbone is unchanged");
            IOException wrongStrategy = assertThrows(IOException.class, () -> trainer.resume(
                    Synthetic.backbone(m, 1), tasks, Strategies.create("olora")));
            assertTrue(wrongStrategy.getMessage().contains("strategy SeqLoRA"), wrongStrategy.getMessage());
        }
    }

    @Test
    void badTasksFailWithClearMessagesAndLeaveTheBackboneUnchanged() throws Exception {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = Synthetic.backbone(m, 1);
            ContinualTrainer trainer = new ContinualTrainer(config().build());
            List<ContinualTask> good = Synthetic.tasks(2, 2, 4, 4, 1, 0.5);
            ContinualTask t0 = good.get(0);

            ContinualTask empty = new ContinualTask(5, "empty", new int[] {2, 3},
                    new ArrayTaskData(new float[0], new Shape(Synthetic.IN), new int[0]), t0.test());
            assertMessage(trainer, backbone, List.of(t0, empty), "task 5 'empty' has an empty train split");

            ContinualTask wrongLabel = new ContinualTask(6, "wrong", new int[] {2, 3}, t0.train(), t0.test());
            assertMessage(trainer, backbone, List.of(wrongLabel),
                    "task 6 'wrong' train sample 0 has label 0, which is not one of the task's classes [2, 3]");

            ContinualTrainer small = new ContinualTrainer(config().numClasses(3).build());
            assertMessage(small, backbone, good, "class 3 of task 11 'task1' is outside the head's 3 classes");

            ContinualTask duplicate = new ContinualTask(t0.id(), "again", new int[] {2, 3}, good.get(1).train(),
                    good.get(1).test());
            assertMessage(trainer, backbone, List.of(t0, duplicate), "task id 10 is used twice");
            assertMessage(trainer, backbone, List.of(), "no tasks");

            assertTrue(new LoraModel(backbone.block()).loraLayers().isEmpty(), "no adapter was injected");
            for (var p : backbone.block().getParameters()) {
                assertTrue(p.getValue().requiresGradient(), "parameter " + p.getKey() + " was not frozen");
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ContinualTask(1, "x", new int[] {1, 1}, t0.train(), t0.test()));
            assertTrue(e.getMessage().contains("repeats a class"), e.getMessage());
        }
    }

    private static void assertMessage(ContinualTrainer trainer, Backbone backbone, List<ContinualTask> tasks,
            String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.run(backbone, tasks, new SeqLora(Synthetic.lora(2))));
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }

    @Test
    void aNanLossNamesTaskEpochAndStep() throws Exception {
        List<ContinualTask> good = Synthetic.tasks(2, 2, 8, 4, 1, 0.5);
        ContinualTask t1 = good.get(1);
        // Inputs that turn NaN from the second epoch on.
        TaskData poisoned = new TaskData() {
            int batches;

            @Override
            public int size() {
                return t1.train().size();
            }

            @Override
            public int label(int index) {
                return t1.train().label(index);
            }

            @Override
            public LabeledBatch batch(int[] indices, NDManager manager) {
                LabeledBatch b = t1.train().batch(indices, manager);
                if (batches++ < 1) {
                    return b;
                }
                return new LabeledBatch(new NDList(b.inputs().get(0).mul(manager.create(Float.NaN))), b.labels());
            }
        };
        List<ContinualTask> tasks = List.of(good.get(0), new ContinualTask(t1.id(), t1.name(), t1.classes(),
                poisoned, t1.test()));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                    () -> new ContinualTrainer(config().batchSize(16).build()).run(Synthetic.backbone(m, 1), tasks,
                            new SeqLora(Synthetic.lora(2))));
            assertTrue(e.getMessage().contains("loss is NaN at task 1 (id 11 'task1'), epoch 1, step 0"),
                    e.getMessage());
            assertEquals(1, e.taskIndex());
            assertEquals(1, e.epoch());
            assertEquals(0, e.step());
        }
    }

    @Test
    void dataOrderIsAPermutationThatDependsOnSeedTaskAndEpoch() {
        int[] p = DataOrder.permutation(50, 1, 0, 0);
        assertArrayEquals(java.util.stream.IntStream.range(0, 50).toArray(),
                java.util.Arrays.stream(p.clone()).sorted().toArray());
        assertArrayEquals(p, DataOrder.permutation(50, 1, 0, 0));
        assertFalse(java.util.Arrays.equals(p, DataOrder.permutation(50, 1, 0, 1)));
        assertFalse(java.util.Arrays.equals(p, DataOrder.permutation(50, 1, 1, 0)));
        assertFalse(java.util.Arrays.equals(p, DataOrder.permutation(50, 2, 0, 0)));
    }

    @Test
    void arrayTaskDataBuildsBatchesAndRejectsBadArrays() {
        ArrayTaskData d = new ArrayTaskData(new float[] {1, 2, 3, 4, 5, 6}, new Shape(1, 3), new int[] {7, 9});
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LabeledBatch b = d.batch(new int[] {1, 0, 1}, m);
            assertEquals(new Shape(3, 1, 3), b.inputs().get(0).getShape());
            assertArrayEquals(new float[] {4, 5, 6, 1, 2, 3, 4, 5, 6}, b.inputs().get(0).toFloatArray());
            assertArrayEquals(new int[] {9, 7, 9}, b.labels().toIntArray());
            assertThrows(IndexOutOfBoundsException.class, () -> d.batch(new int[] {2}, m));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ArrayTaskData(new float[5], new Shape(3), new int[] {1, 2}));
        assertTrue(e.getMessage().contains("need 6 features, got 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ArrayTaskData(new float[] {1, Float.NaN}, new Shape(1), new int[] {1, 2}));
        assertTrue(e.getMessage().contains("sample 1 is NaN"), e.getMessage());
    }

    @Test
    void crossEntropyMatchesTheHandFormulaAndIgnoresMaskedClasses() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float[] logits = {1f, 2f, 3f, 0.5f, -1f, 4f};
            float[] mask = {0f, 0f, -1e9f};
            int[] labels = {1, 0};
            double loss = ContinualTrainer.crossEntropy(m.create(logits, new Shape(2, 3)), m.create(mask),
                    m.create(labels)).getFloat();
            // Class 2 is masked: softmax over classes 0 and 1 only.
            double l0 = -(2 - Math.log(Math.exp(1) + Math.exp(2)));
            double l1 = -(0.5 - Math.log(Math.exp(0.5) + Math.exp(-1)));
            assertEquals((l0 + l1) / 2, loss, 1e-6);
        }
    }
}
