package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.djl.lora.LoraInputObserver;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.djl.lora.LoraModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer as a loop plus listeners: the order of events a listener sees, budgets and checkpoint compatibility
 * keyed on the strategy's id, InfLoRA leaving other input observers registered, and the how-to's example strategy.
 */
class TrainerListenersTest {

    @TempDir
    Path tmp;

    private static ContinualTrainerConfig.Builder config() {
        return ContinualTrainerConfig.builder().epochs(2).batchSize(16).learningRate(1e-2).seed(4).progress(false);
    }

    /** Records what it is told, and checks that evaluation and the checkpoint come before it at a task's end. */
    private static final class Recorder implements TrainerListener {
        final List<String> events = new ArrayList<>();
        final Path checkpoint;
        int losses;
        int steps;

        Recorder(Path checkpoint) {
            this.checkpoint = checkpoint;
        }

        @Override
        public void runStarted(TrainingRun run, int firstTask, long samples) {
            events.add("started " + firstTask + " " + samples);
        }

        @Override
        public void lossComputed(TrainingRun run, int task, int epoch, int step, double loss) {
            assertTrue(Double.isFinite(loss));
            losses++;
        }

        @Override
        public void stepped(TrainingRun run, TrainingProgress.Step step) {
            assertEquals(losses, ++steps, "one loss per step, before the step");
        }

        @Override
        public void epochsEnded(TrainingRun run, int task) {
            events.add("epochs " + task);
        }

        @Override
        public void taskFinished(TrainingRun run, int task) throws IOException {
            assertFalse(Double.isNaN(run.accuracy()[task][task]), "evaluated before the caller's listeners");
            assertEquals(task + 1, Checkpoint.load(checkpoint).completedTasks(), "checkpoint written before");
            assertEquals(task + 1, run.taskStats().size());
            events.add("finished " + task);
        }
    }

    @Test
    void listenersSeeTheRunInOrderAfterTheTrainersOwnParts() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(2, 2, 16, 8, 2, 0.5);
        Path ckpt = tmp.resolve("ckpt");
        Recorder recorder = new Recorder(ckpt);
        ContinualResult r;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            r = new ContinualTrainer(config().checkpointDir(ckpt).build(), TrainingProgress.NONE,
                    List.of(recorder)).run(Synthetic.backbone(m, 1), tasks, Strategies.create("seqlora"));
        }
        // 2 tasks x 2 epochs x 32 samples; steps of 16.
        assertEquals(List.of("started 0 128", "epochs 0", "finished 0", "epochs 1", "finished 1"), recorder.events);
        assertEquals(8, recorder.steps);
        assertEquals(8, r.tasks().stream().mapToLong(ContinualResult.TaskStats::steps).sum());
    }

    @Test
    void budgetsKeyOnTheIdAndADisplayNameKeyIsRefused() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(2, 2, 16, 8, 2, 0.5);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            ContinualResult r = new ContinualTrainer(config().epochs("olora", 3).epochs("seqlora", 1).build())
                    .run(Synthetic.backbone(m, 1), tasks, Strategies.create("olora"));
            assertEquals(List.of(3, 3), r.tasks().stream().map(ContinualResult.TaskStats::epochs).toList());
            Backbone untouched = Synthetic.backbone(m, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ContinualTrainer(
                    config().epochs("O-LoRA", 3).build()).run(untouched, tasks, Strategies.create("olora")));
            assertTrue(e.getMessage().contains("'O-LoRA'") && e.getMessage().contains("epochs(\"olora\""),
                    e.getMessage());
            assertTrue(new LoraModel(untouched.block()).loraLayers().isEmpty(), "nothing was modified");
        }
    }

    @Test
    void checkpointCompatibilityKeysOnTheIdNotTheDisplayName() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(3, 2, 16, 8, 2, 0.5);
        Path ckpt = tmp.resolve("ckpt");
        ContinualTrainer trainer = new ContinualTrainer(config().checkpointDir(ckpt).build());
        // Renamed for display between the crash and the resume: still the same strategy.
        ContinualStrategy renamed = new Strategies.Failing(Strategies.create("seqlora"), 2, -1) {
            @Override
            public String name() {
                return "Sequential LoRA";
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThrows(Strategies.Killed.class, () -> trainer.run(Synthetic.backbone(m, 1), tasks, renamed));
        }
        JsonCheck.assertField(ckpt, "strategyId", "seqlora");
        ContinualResult resumed;
        ContinualResult full;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            resumed = trainer.resume(Synthetic.backbone(m, 1), tasks, Strategies.create("seqlora"));
            full = new ContinualTrainer(config().build()).run(Synthetic.backbone(m, 1), tasks,
                    Strategies.create("seqlora"));
        }
        assertEquals(2, resumed.resumedAfterTask());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(full.accuracy()[i], resumed.accuracy()[i], 0.0);
        }
        // Same display name, another id: refused, naming both.
        ContinualStrategy otherId = new Strategies.Failing(Strategies.create("seqlora"), -1, -1) {
            @Override
            public String id() {
                return "seqlora-v2";
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            IOException e = assertThrows(IOException.class, () -> trainer.resume(Synthetic.backbone(m, 1), tasks,
                    otherId));
            assertTrue(e.getMessage().contains("id seqlora)") && e.getMessage().contains("id seqlora-v2"),
                    e.getMessage());
        }
    }

    @Test
    void aCheckpointWithoutAStrategyIdIsMatchedByDisplayName() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(2, 2, 16, 8, 2, 0.5);
        Path ckpt = tmp.resolve("ckpt");
        ContinualTrainer trainer = new ContinualTrainer(config().checkpointDir(ckpt).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThrows(Strategies.Killed.class, () -> trainer.run(Synthetic.backbone(m, 1), tasks,
                    new Strategies.Failing(Strategies.create("olora"), 1, -1)));
        }
        // A version 2 manifest must name the id.
        JsonCheck.edit(ckpt, root -> root.remove("strategyId"));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            IOException e = assertThrows(IOException.class, () -> trainer.resume(Synthetic.backbone(m, 1), tasks,
                    Strategies.create("olora")));
            assertTrue(e.getMessage().contains("strategyId"), e.getMessage());
        }
        // As written before strategies had ids (format version 1).
        JsonCheck.edit(ckpt, root -> root.put("version", 1));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            IOException e = assertThrows(IOException.class, () -> trainer.resume(Synthetic.backbone(m, 1), tasks,
                    Strategies.create("seqlora")));
            assertTrue(e.getMessage().contains("strategy O-LoRA, resumed with SeqLoRA"), e.getMessage());
            assertEquals(1, trainer.resume(Synthetic.backbone(m, 1), tasks, Strategies.create("olora"))
                    .resumedAfterTask());
        }
    }

    @Test
    void infLoraRemovesOnlyItsOwnInputObservers() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        LoraInputObserver counter = (layer, input, training) -> seen.incrementAndGet();
        Map<String, LoraLinear> layers = new LinkedHashMap<>();
        TrainerListener observe = new TrainerListener() {
            @Override
            public void taskFinished(TrainingRun run, int task) {
                if (task == 0) {
                    layers.putAll(run.lora().loraLayers());
                    layers.values().forEach(l -> l.addInputObserver(counter));
                }
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            new ContinualTrainer(config().epochs(1).build(), TrainingProgress.NONE, List.of(observe))
                    .run(Synthetic.backbone(m, 1), Synthetic.tasks(2, 2, 16, 8, 2, 0.5), Strategies.create("inflora"));
        }
        assertEquals(2, layers.size());
        for (LoraLinear l : layers.values()) {
            assertEquals(List.of(counter), l.inputObservers(), "InfLoRA's task-1 passes left this observer in place");
        }
        assertTrue(seen.get() > 0);
    }

    @Test
    void theHowToStrategyTrainsOnlyBAndResumesBitwise() throws Exception {
        List<ContinualTask> tasks = Synthetic.tasks(3, 2, 16, 8, 2, 0.5);
        Map<String, float[]> initialA = new LinkedHashMap<>();
        TrainerListener snapshot = new TrainerListener() {
            @Override
            public void lossComputed(TrainingRun run, int task, int epoch, int step, double loss) {
                // The adapter exists from the first beforeTask on: A as initialised, before the first update.
                if (initialA.isEmpty()) {
                    run.lora().loraA(FrozenALora.ADAPTER).forEach((p, a) -> initialA.put(p,
                            a.getArray().toFloatArray()));
                }
            }
        };
        Path ckpt = tmp.resolve("ckpt");
        ContinualResult full;
        Map<String, Parameter> finalA;
        Map<String, Parameter> finalB;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = Synthetic.backbone(m, 1);
            full = new ContinualTrainer(config().build(), TrainingProgress.NONE, List.of(snapshot)).run(backbone,
                    tasks, new FrozenALora(Synthetic.lora(4)));
            LoraModel lora = new LoraModel(backbone.block());
            finalA = lora.loraA(FrozenALora.ADAPTER);
            finalB = lora.loraB(FrozenALora.ADAPTER);
            assertEquals(2, finalA.size());
            for (Map.Entry<String, Parameter> e : finalA.entrySet()) {
                assertArrayEquals(initialA.get(e.getKey()), e.getValue().getArray().toFloatArray(), 0f,
                        "A is frozen at " + e.getKey());
                float[] b = finalB.get(e.getKey()).getArray().toFloatArray();
                boolean moved = false;
                for (float v : b) {
                    moved |= v != 0;
                }
                assertTrue(moved, "B trained at " + e.getKey());
            }
        }
        assertEquals("LoRA-FA", full.strategy());
        assertTrue(full.accuracy()[0][0] > 0.8, "task 0 learned: " + full.accuracy()[0][0]);
        ContinualTrainer trainer = new ContinualTrainer(config().checkpointDir(ckpt).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThrows(Strategies.Killed.class, () -> trainer.run(Synthetic.backbone(m, 1), tasks,
                    new Strategies.Failing(new FrozenALora(Synthetic.lora(4)), 2, -1)));
            ContinualResult resumed = trainer.resume(Synthetic.backbone(m, 1), tasks,
                    new FrozenALora(Synthetic.lora(4)));
            assertEquals(2, resumed.resumedAfterTask());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(full.accuracy()[i], resumed.accuracy()[i], 0.0, "row " + i);
            }
        }
    }

    /** Reads and edits checkpoint.json. */
    private static final class JsonCheck {
        private static final ObjectMapper MAPPER = new ObjectMapper();

        static void assertField(Path ckpt, String field, String value) throws IOException {
            assertEquals(value, MAPPER.readTree(ckpt.resolve(Checkpoint.JSON).toFile()).path(field).asText());
        }

        static void edit(Path ckpt, java.util.function.Consumer<ObjectNode> change) throws IOException {
            Path json = ckpt.resolve(Checkpoint.JSON);
            ObjectNode root = (ObjectNode) MAPPER.readTree(json.toFile());
            change.accept(root);
            Files.writeString(json, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        }
    }
}
