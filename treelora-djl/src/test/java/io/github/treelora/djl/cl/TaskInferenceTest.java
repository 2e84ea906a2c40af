package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task-identity inference: the class models on hand-computed cases, and its effect on a whole run. */
class TaskInferenceTest {

    @TempDir
    Path tmp;

    private static TaskIdentity.ClassSums sums(TaskIdentity id, float[][] samples) {
        TaskIdentity.ClassSums s = id.newSums();
        for (float[] x : samples) {
            s.add(x, 0);
        }
        return s;
    }

    /** Class 0 (task 0): the four points (+-10, +-1), mean 0, covariance diag(100, 1). Class 1 (task 1): (4 +- 1, +-1). */
    private static TaskIdentity twoTasks(TaskInference mode) {
        TaskIdentity id = new TaskIdentity(mode, 2, 2);
        id.addTask(0, Map.of(0, sums(id, new float[][] {{10, 1}, {10, -1}, {-10, 1}, {-10, -1}})), Map.of());
        id.addTask(1, Map.of(1, sums(id, new float[][] {{5, 1}, {5, -1}, {3, 1}, {3, -1}})), Map.of());
        return id;
    }

    @Test
    void gaussianClassModelsFollowTheHandComputedDensities() {
        TaskIdentity id = twoTasks(TaskInference.CLASS_GAUSSIAN);
        // Shrunk covariances (weight 0.1 toward trace/2 * I): class 0 diag(0.9*100 + 5.05, 0.9*1 + 5.05) =
        // diag(95.05, 5.95); class 1 diag(1, 1). Score -0.5 (x-mu)^T S^-1 (x-mu) - 0.5 ln det S.
        // x = (12, 0): class 0 -0.5 (144/95.05 + ln(95.05*5.95)) = -3.93, class 1 -0.5 * 64 = -32: task 0,
        // although x is closer to class 1's mean (8 against 12).
        // x = (4.5, 0.2): class 0 -0.5 (20.25/95.05 + 0.04/5.95 + 6.34) = -3.28, class 1 -0.145: task 1.
        // x = (0, 3): class 0 -0.5 (9/5.95 + 6.34) = -3.93, class 1 -0.5 (16 + 9) = -12.5: task 0.
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            int[] p = id.predict(m.create(new float[] {12, 0, 4.5f, 0.2f, 0, 3}).reshape(3, 2), 1);
            assertArrayEquals(new int[] {0, 1, 0}, p);
            // Only tasks up to lastTask compete.
            assertArrayEquals(new int[] {0, 0, 0}, id.predict(m.create(new float[] {12, 0, 4.5f, 0.2f, 0, 3})
                    .reshape(3, 2), 0));
        }
    }

    @Test
    void nearestClassMeanComparesDirections() {
        TaskIdentity id = new TaskIdentity(TaskInference.NEAREST_CLASS_MEAN, 3, 2);
        id.addTask(0, Map.of(0, sums(id, new float[][] {{2, 0}, {4, 0}})), Map.of());
        id.addTask(1, Map.of(1, sums(id, new float[][] {{0, 1}, {0, 3}}), 2, sums(id, new float[][] {{-1, -1}})),
                Map.of());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // (100, 1) is far from mean (3, 0) in distance but has its direction; (-1, -3) points closest to
            // (-1, -1)/sqrt 2 (cosine 0.89) rather than (0, 1) (-0.95) or (1, 0) (-0.32).
            int[] p = id.predict(m.create(new float[] {100, 1, 0.1f, 5, -1, -3}).reshape(3, 2), 1);
            assertArrayEquals(new int[] {0, 1, 1}, p);
        }
    }

    @Test
    void tasksMustBeRecordedInOrderAndInferenceNeedsTheClassIncrementalProtocol() {
        TaskIdentity id = new TaskIdentity(TaskInference.CLASS_GAUSSIAN, 2, 2);
        assertThrows(IllegalStateException.class, () -> id.addTask(1, Map.of(), Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ContinualTrainerConfig
                .builder().protocol(EvaluationProtocol.TASK_INCREMENTAL)
                .taskInference(TaskInference.NEAREST_CLASS_MEAN).build());
        assertTrue(e.getMessage().contains("CLASS_INCREMENTAL"), e.getMessage());
    }

    private static ContinualTrainerConfig.Builder config(TaskInference mode) {
        return ContinualTrainerConfig.builder().epochs(2).batchSize(16).learningRate(1e-2).seed(5).progress(false)
                .taskInference(mode);
    }

    /**
     * Well separated clusters make the task prediction exact, so with per-task adapters (frozen after their task)
     * and head rows that only their own task trains, every later evaluation of task i repeats the one right after
     * task i bitwise: no forgetting at all.
     */
    @Test
    void exactTaskPredictionWithPerTaskAdaptersForgetsNothing() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(3, 2, 24, 12, 8, 0.05);
        for (TaskInference mode : List.of(TaskInference.NEAREST_CLASS_MEAN, TaskInference.CLASS_GAUSSIAN)) {
            for (String name : List.of("olora", "treelora")) {
                ContinualResult r;
                try (NDManager m = NDManager.newBaseManager("PyTorch")) {
                    r = new ContinualTrainer(config(mode).build()).run(Synthetic.backbone(m, 3), tasks,
                            Strategies.create(name));
                }
                double[][] acc = r.accuracy();
                for (int i = 0; i < 3; i++) {
                    assertTrue(acc[i][i] > 0.9, name + " " + mode + " learned task " + i + ": " + acc[i][i]);
                    for (int j = i + 1; j < 3; j++) {
                        assertEquals(acc[i][i], acc[i][j], 0.0, name + " " + mode + " task " + i + " after " + j);
                    }
                }
                assertEquals(mode.name(), r.trainerSettings().get("taskInference"));
            }
        }
    }

    @Test
    void resumeWithTaskInferenceGivesTheUninterruptedRunBitwise() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(3, 2, 16, 8, 9, 0.6);
        ContinualResult full;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            full = new ContinualTrainer(config(TaskInference.CLASS_GAUSSIAN).build()).run(Synthetic.backbone(m, 4),
                    tasks, Strategies.create("inflora"));
        }
        Path ckpt = tmp.resolve("ckpt");
        ContinualTrainer trainer = new ContinualTrainer(config(TaskInference.CLASS_GAUSSIAN).checkpointDir(ckpt)
                .build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThrows(Strategies.Killed.class, () -> trainer.run(Synthetic.backbone(m, 4), tasks,
                    new Strategies.Failing(Strategies.create("inflora"), 2, -1)));
        }
        ContinualResult resumed;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            resumed = trainer.resume(Synthetic.backbone(m, 4), tasks, Strategies.create("inflora"));
        }
        assertEquals(2, resumed.resumedAfterTask());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(full.accuracy()[i], resumed.accuracy()[i], 0.0, "row " + i);
        }
        // A checkpoint written with task inference cannot be resumed without it.
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> new ContinualTrainer(
                    config(TaskInference.NONE).checkpointDir(ckpt).build()).resume(Synthetic.backbone(m, 4), tasks,
                    Strategies.create("inflora")));
            assertTrue(e.getMessage().contains("task inference"), e.getMessage());
        }
    }
}
