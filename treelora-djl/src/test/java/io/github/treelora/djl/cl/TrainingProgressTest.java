package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A progress listener is told the run's size, sees every step with its task, epoch and batch, and the end of each
 * task's training; the samples it is shown add up to the announced total.
 */
class TrainingProgressTest {

    @Test
    void seesEveryStepAndTheRunsTotal() throws Exception {
        List<Long> totals = new ArrayList<>();
        List<TrainingProgress.Step> steps = new ArrayList<>();
        int[] tasksTrained = new int[1];
        TrainingProgress listener = new TrainingProgress() {
            @Override
            public void started(String strategy, long samples) {
                totals.add(samples);
            }

            @Override
            public void stepped(Step step) {
                steps.add(step);
            }

            @Override
            public void taskTrained() {
                tasksTrained[0]++;
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // 2 tasks of 2 classes x 12 samples = 24 training samples each; batch 10: 3 steps (10, 10, 4) per epoch.
            new ContinualTrainer(ContinualTrainerConfig.builder().epochs(2).batchSize(10).build(), listener)
                    .run(Synthetic.backbone(m, 1), Synthetic.tasks(2, 2, 12, 4, 1, 0.5), Strategies.create("seqlora"));
        }
        assertEquals(List.of(2L * 2 * 24), totals);
        assertEquals(2, tasksTrained[0]);
        assertEquals(2 * 2 * 3, steps.size());
        assertEquals(totals.get(0), steps.stream().mapToLong(TrainingProgress.Step::samples).sum());
        TrainingProgress.Step last = steps.get(steps.size() - 1);
        assertEquals(List.of(1, 2, 1, 2, 2, 3, 4), List.of(last.task(), last.tasks(), last.epoch(), last.epochs(),
                last.step(), last.steps(), last.samples()));
        assertTrue(Double.isFinite(last.loss()) && last.samplesPerSecond() > 0, last.toString());
    }
}
