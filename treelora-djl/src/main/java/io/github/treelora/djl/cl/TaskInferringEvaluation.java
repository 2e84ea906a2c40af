package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.lora.LoraModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Class-incremental evaluation with {@link TaskInference}: after every task it stores the task's adapter-free
 * class statistics and adapter sets ({@link TaskIdentity}), then scores tasks 0..j, each sample through the model
 * of its predicted task, and logs how often the task was predicted right.
 */
final class TaskInferringEvaluation implements TrainerListener {

    private static final Logger LOG = LoggerFactory.getLogger(ContinualTrainer.class);

    private final TaskIdentity identity;

    TaskInferringEvaluation(TaskInference mode, int numClasses, long featureDim) {
        this.identity = new TaskIdentity(mode, numClasses, featureDim);
    }

    @Override
    public void taskFinished(TrainingRun run, int j) {
        record(run, j, run.lora().activeAdaptersByLayer());
        ParameterStore ps = new ParameterStore(run.manager(), false);
        StringBuilder line = new StringBuilder();
        long[] taskHits = new long[2];
        for (int i = 0; i <= j; i++) {
            double acc = evaluate(run, ps, i, j, taskHits);
            run.accuracyMatrix().set(i, j, acc);
            line.append(String.format(" %.4f", acc));
        }
        LOG.info("{}: accuracy after task {}:{}", run.strategy().name(), j, line);
        LOG.info("{}: task-identity accuracy after task {}: {}", run.strategy().name(), j,
                String.format("%.4f", (double) taskHits[0] / taskHits[1]));
    }

    /**
     * Rebuilds the statistics of the tasks a resumed run finished, with the adapter sets its checkpoint recorded.
     *
     * @param run the run (adapters restored)
     * @param loaded the checkpoint
     * @param completed tasks finished before it
     * @throws java.io.IOException if the checkpoint lacks a task's adapter sets
     */
    void restore(TrainingRun run, Checkpoint.Loaded loaded, int completed) throws java.io.IOException {
        for (int k = 0; k < completed; k++) {
            record(run, k, loaded.taskActiveAdapters(k));
        }
    }

    /**
     * The active adapter sets of tasks 0..completed-1, for the checkpoint.
     *
     * @param completed finished tasks
     * @return per task: layer path -> active adapters
     */
    List<Map<String, List<String>>> activeSetsUpTo(int completed) {
        return identity.activeSetsUpTo(completed);
    }

    /** Stores task k's adapter-free class statistics (one pass over its training split) and adapter sets. */
    private void record(TrainingRun run, int k, Map<String, List<String>> active) {
        TaskData data = run.tasks().get(k).train();
        int batch = run.config().evalBatchSize();
        Map<Integer, TaskIdentity.ClassSums> sums = new LinkedHashMap<>();
        ParameterStore ps = new ParameterStore(run.manager(), false);
        int d = (int) run.backbone().featureDim();
        LoraModel lora = run.lora();
        lora.setAdaptersEnabled(false);
        try {
            for (int from = 0; from < data.size(); from += batch) {
                int[] idx = TrainingRun.range(from, Math.min(data.size(), from + batch));
                try (NDManager step = run.manager().newSubManager()) {
                    float[] f = run.objective().features(ps, data.batch(idx, step).inputs()).toFloatArray();
                    for (int r = 0; r < idx.length; r++) {
                        sums.computeIfAbsent(data.label(idx[r]), c -> identity.newSums()).add(f, r * d);
                    }
                }
            }
        } finally {
            lora.setAdaptersEnabled(true);
        }
        identity.addTask(k, sums, active);
    }

    /**
     * Accuracy on task i's test split after task j: each sample goes through the model of its predicted task.
     * {@code hits} accumulates {correct task predictions, samples}.
     */
    private double evaluate(TrainingRun run, ParameterStore ps, int i, int j, long[] hits) {
        TaskData data = run.tasks().get(i).test();
        int batch = run.config().evalBatchSize();
        LoraModel lora = run.lora();
        TaskObjective objective = run.objective();
        Map<String, List<String>> current = lora.activeAdaptersByLayer();
        long correct = 0;
        try (NDManager evalManager = run.manager().newSubManager()) {
            NDArray[] masks = new NDArray[j + 1];
            for (int from = 0; from < data.size(); from += batch) {
                int[] idx = TrainingRun.range(from, Math.min(data.size(), from + batch));
                int[] predicted;
                try (NDManager step = run.manager().newSubManager()) {
                    lora.setAdaptersEnabled(false);
                    try {
                        predicted = identity.predict(objective.features(ps, data.batch(idx, step).inputs()), j);
                    } finally {
                        lora.setAdaptersEnabled(true);
                    }
                }
                for (int p = 0; p <= j; p++) {
                    List<Integer> group = new ArrayList<>();
                    for (int r = 0; r < idx.length; r++) {
                        if (predicted[r] == p) {
                            group.add(idx[r]);
                        }
                    }
                    if (group.isEmpty()) {
                        continue;
                    }
                    if (p == i) {
                        hits[0] += group.size();
                    }
                    if (masks[p] == null) {
                        masks[p] = objective.classMask(evalManager, run.tasks().get(p).classes());
                    }
                    lora.setActiveAdaptersByLayer(identity.activeAt(p));
                    try (NDManager step = run.manager().newSubManager()) {
                        LabeledBatch b = data.batch(group.stream().mapToInt(Integer::intValue).toArray(), step);
                        correct += objective.correct(ps, b, masks[p]);
                    }
                }
                hits[1] += idx.length;
            }
        } finally {
            lora.setActiveAdaptersByLayer(current);
        }
        return (double) correct / data.size();
    }
}
