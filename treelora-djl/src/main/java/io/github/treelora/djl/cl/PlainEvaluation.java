package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After every task j, scores tasks 0..j on their test splits into the accuracy matrix, with the model as it is
 * (the task id given or not, as the {@link EvaluationProtocol} says): task-incremental shows each task its own
 * classes' logits, class-incremental those of every class seen so far.
 */
final class PlainEvaluation implements TrainerListener {

    private static final Logger LOG = LoggerFactory.getLogger(ContinualTrainer.class);

    @Override
    public void taskFinished(TrainingRun run, int j) {
        TreeSet<Integer> seen = new TreeSet<>();
        for (int i = 0; i <= j; i++) {
            for (int c : run.tasks().get(i).classes()) {
                seen.add(c);
            }
        }
        int[] seenClasses = seen.stream().mapToInt(Integer::intValue).toArray();
        ParameterStore ps = new ParameterStore(run.manager(), false);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i <= j; i++) {
            ContinualTask t = run.tasks().get(i);
            double acc = evaluate(run, ps, t, run.config().protocol() == EvaluationProtocol.TASK_INCREMENTAL
                    ? t.classes() : seenClasses);
            run.accuracyMatrix().set(i, j, acc);
            line.append(String.format(" %.4f", acc));
        }
        LOG.info("{}: accuracy after task {}:{}", run.strategy().name(), j, line);
    }

    private static double evaluate(TrainingRun run, ParameterStore ps, ContinualTask t, int[] visible) {
        TaskData data = t.test();
        int batch = run.config().evalBatchSize();
        double correct = 0;
        try (NDManager evalManager = run.manager().newSubManager()) {
            NDArray mask = run.objective().classMask(evalManager, visible);
            for (int from = 0; from < data.size(); from += batch) {
                int[] idx = TrainingRun.range(from, Math.min(data.size(), from + batch));
                try (NDManager step = run.manager().newSubManager()) {
                    correct += run.objective().score(ps, data, idx, step, mask);
                }
            }
        }
        return correct / data.size();
    }
}
