package io.github.treelora.djl.cl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a {@link Checkpoint} after every task, once the task is evaluated (the checkpoint holds the accuracy
 * matrix so far and, with task inference, the adapter sets of the finished tasks).
 */
final class CheckpointWriter implements TrainerListener {

    private final Path dir;
    private final TaskInferringEvaluation inferring;

    /**
     * @param dir the checkpoint directory
     * @param inferring the run's task-inferring evaluation, or null without task inference
     */
    CheckpointWriter(Path dir, TaskInferringEvaluation inferring) {
        this.dir = dir;
        this.inferring = inferring;
    }

    @Override
    public void taskFinished(TrainingRun run, int task) throws IOException {
        int completed = task + 1;
        Checkpoint.save(dir, new Checkpoint.Data(completed, run.strategy(), run.config(), run.numClasses(),
                run.backbone().name(), run.backboneSha256(), run.tasks(), run.accuracyMatrix(),
                run.taskStats(), run.elapsedSeconds(), run.lora(), run.objective().head(),
                run.objective().name(), inferring == null ? null : inferring.activeSetsUpTo(completed)));
    }
}
