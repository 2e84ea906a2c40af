package io.github.treelora.djl.cl;

/** Hands the run's start, every step and every task's end of epochs to a {@link TrainingProgress}. */
final class ProgressReport implements TrainerListener {

    private final TrainingProgress progress;

    ProgressReport(TrainingProgress progress) {
        this.progress = progress;
    }

    @Override
    public void runStarted(TrainingRun run, int firstTask, long samples) {
        progress.started(run.strategy().name(), samples);
    }

    @Override
    public void stepped(TrainingRun run, TrainingProgress.Step step) {
        progress.stepped(step);
    }

    @Override
    public void epochsEnded(TrainingRun run, int task) {
        progress.taskTrained();
    }
}
