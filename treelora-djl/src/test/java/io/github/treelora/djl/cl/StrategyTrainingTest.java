package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every strategy trains a tiny MLP on three synthetic tasks, reduces the loss, and resumes bitwise after a
 * crash.
 */
class StrategyTrainingTest {

    static List<String> strategies() {
        return Strategies.NAMES;
    }

    private static ContinualTrainerConfig.Builder config() {
        return ContinualTrainerConfig.builder().epochs(3).batchSize(16).learningRate(1e-2).seed(11)
                .protocol(EvaluationProtocol.CLASS_INCREMENTAL).progress(false);
    }

    private static List<ContinualTask> tasks() {
        return Synthetic.tasks(3, 2, 32, 16, 5, 0.6);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void trainsAndReducesTheLoss(String name) throws Exception {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // Task-incremental, so R[i][i] measures what was learned, not class-incremental confusion.
            ContinualResult r = new ContinualTrainer(config().protocol(EvaluationProtocol.TASK_INCREMENTAL).build())
                    .run(Synthetic.backbone(m, 2), tasks(),
                    Strategies.create(name));
            for (ContinualResult.TaskStats s : r.tasks()) {
                List<Double> l = s.epochLosses();
                assertTrue(l.get(l.size() - 1) < 0.7 * l.get(0), name + " task " + s.name() + " losses " + l);
            }
            double[][] acc = r.accuracy();
            for (int i = 0; i < 3; i++) {
                // Two classes per task: chance is 0.5.
                assertTrue(acc[i][i] > 0.8, name + " R[" + i + "][" + i + "] = " + acc[i][i]);
            }
            assertEquals(Strategies.DISPLAY.get(name), r.strategy());
            assertEquals(3, r.tasks().size());
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void resumeAfterACrashGivesTheUninterruptedRunBitwise(String name, @TempDir Path tmp) throws Exception {
        Path full = tmp.resolve("full");
        Path crashed = tmp.resolve("crashed");
        ContinualResult uninterrupted;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            uninterrupted = new ContinualTrainer(config().checkpointDir(full).build()).run(Synthetic.backbone(m, 2),
                    tasks(), Strategies.create(name));
        }
        ContinualTrainer trainer = new ContinualTrainer(config().checkpointDir(crashed).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThrows(Strategies.Killed.class, () -> trainer.run(Synthetic.backbone(m, 2), tasks(),
                    new Strategies.Failing(Strategies.create(name), 2, -1)));
        }
        assertEquals(2, Checkpoint.load(crashed).completedTasks());
        ContinualResult resumed;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            resumed = trainer.resume(Synthetic.backbone(m, 2), tasks(), Strategies.create(name));
        }
        assertEquals(2, resumed.resumedAfterTask());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(uninterrupted.accuracy()[i], resumed.accuracy()[i], 0.0, name + " row " + i);
        }
        // Stronger than accuracies: the final adapters and head are bitwise identical.
        assertArrayEquals(Files.readAllBytes(full.resolve(Checkpoint.ADAPTERS)),
                Files.readAllBytes(crashed.resolve(Checkpoint.ADAPTERS)), name + " adapters");
        assertArrayEquals(Files.readAllBytes(full.resolve(Checkpoint.HEAD)),
                Files.readAllBytes(crashed.resolve(Checkpoint.HEAD)), name + " head");
    }
}
