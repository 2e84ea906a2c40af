package io.github.treelora.djl.cl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import io.github.treelora.djl.lora.LoraInjector;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.metrics.AccuracyMatrix;
import io.github.treelora.metrics.ContinualMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a LoRA-adapted backbone on a sequence of tasks with a {@link ContinualStrategy} and measures
 * forgetting. Model: the {@link Backbone} (frozen, with the strategy's adapters inside) produces features
 * {@code (B, D)}; a linear head {@code D -> C} owned by the trainer (rows indexed by global class id) produces
 * logits; the {@link EvaluationProtocol} decides which logits are visible (others are masked with -1e9).
 * <pre>{@code
 * ContinualTrainer trainer = new ContinualTrainer(ContinualTrainerConfig.builder()
 *         .epochs(3).batchSize(32).learningRate(5e-3).seed(1).checkpointDir(dir).build());
 * ContinualResult r = trainer.run(new Backbone("vit-s16", vit, 384), tasks, new SeqLora(loraConfig));
 * Files.writeString(out, r.toJson());
 * }</pre>
 * Per task k: the engine's random seed is reset from (seed, k) (LoRA initialisation and dropout), a fresh
 * optimizer ({@link ContinualTrainerConfig#optimizer()}, Adam by default) is created (so its moments are reset at
 * every task; this also makes a resume exact), each
 * epoch visits the training split in a permutation drawn from (seed, k, epoch), every step runs in its own
 * {@link NDManager}, then tasks 0..k are evaluated into the accuracy matrix and, if configured, a checkpoint
 * is written. {@link #resume} continues from the last checkpoint and gives the same result as an
 * uninterrupted run (bitwise on CPU in the tests).
 *
 * <p>Causal-LM tasks: when every split of the task stream is a {@link CausalLmTaskData}, the backbone's block is
 * the language model itself (inputs {@code (inputIds, attentionMask)}, output logits {@code (B, T, V)} with
 * {@code V = featureDim}); no head is built, training minimises the next-token loss on the completion tokens and
 * the accuracy matrix holds exact-match rates of greedy decoding (the {@link EvaluationProtocol} does not apply:
 * the answer is free text). Strategies, seeding and resume work the same way.
 *
 * <p>The trainer is the training loop; the rest are {@link TrainerListener}s, called in this order: the divergence
 * check (a NaN or infinite loss ends the run with {@link NonFiniteLossException} before the step is applied),
 * progress, evaluation (plain, or task-inferring with {@link TaskInference}), checkpoint writing, then the
 * listeners given to the constructor. The run's state is a {@link TrainingRun}.
 *
 * <p>Progress: SLF4J logs one line per epoch and per task; a {@link TrainingProgress} given to the constructor
 * sees every step; without one, {@code progress(true)} and a terminal redraw one console line with task, epoch,
 * step, loss and samples/s.
 *
 * <p>Not thread-safe; one run at a time per backbone (the backbone is modified: adapters are injected and
 * all its parameters frozen).
 */
public final class ContinualTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(ContinualTrainer.class);

    private final ContinualTrainerConfig config;
    private final TrainingProgress progress;
    private final List<TrainerListener> extraListeners;

    /**
     * A trainer that shows progress as {@link ContinualTrainerConfig#progress()} says.
     *
     * @param config settings
     */
    public ContinualTrainer(ContinualTrainerConfig config) {
        this(config, new ProgressLine(config.progress()));
    }

    /**
     * A trainer that reports progress to a listener ({@link ContinualTrainerConfig#progress()} is then ignored).
     *
     * @param config settings
     * @param progress receives every training step
     */
    public ContinualTrainer(ContinualTrainerConfig config, TrainingProgress progress) {
        this(config, progress, List.of());
    }

    /**
     * A trainer with more listeners, called after the trainer's own parts (divergence check, progress, evaluation,
     * checkpoint) in the order given.
     *
     * @param config settings
     * @param progress receives every training step
     * @param listeners further listeners
     */
    public ContinualTrainer(ContinualTrainerConfig config, TrainingProgress progress,
            List<? extends TrainerListener> listeners) {
        this.config = Objects.requireNonNull(config, "config");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.extraListeners = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
    }

    /**
     * The settings.
     *
     * @return config
     */
    public ContinualTrainerConfig config() {
        return config;
    }

    /**
     * Trains and evaluates the whole sequence from scratch.
     *
     * @param backbone an initialised backbone without adapters (it is modified in place)
     * @param tasks the task sequence, at least one
     * @param strategy the method
     * @return the result
     * @throws IllegalArgumentException on bad tasks (empty split, label outside its task's classes or the head,
     *     duplicate ids) or a backbone that already has adapters; nothing is modified then
     * @throws NonFiniteLossException when a loss is NaN or infinite
     * @throws IOException if writing a checkpoint fails
     */
    public ContinualResult run(Backbone backbone, List<ContinualTask> tasks, ContinualStrategy strategy)
            throws IOException {
        return execute(backbone, tasks, strategy, false);
    }

    /**
     * Continues the run whose last checkpoint is in {@link ContinualTrainerConfig#checkpointDir()}: the same
     * tasks, a fresh (unadapted) copy of the same backbone, and a fresh strategy of the same kind.
     *
     * @param backbone a fresh backbone with the same weights as the interrupted run's
     * @param tasks the same task sequence
     * @param strategy a new instance of the same strategy (same {@link ContinualStrategy#id()}) with the same
     *     settings
     * @return the result of the whole run
     * @throws IOException if there is no checkpoint, or it is corrupted or does not match the arguments
     */
    public ContinualResult resume(Backbone backbone, List<ContinualTask> tasks, ContinualStrategy strategy)
            throws IOException {
        if (config.checkpointDir() == null) {
            throw new IllegalStateException("resume needs a checkpointDir in the trainer configuration");
        }
        return execute(backbone, tasks, strategy, true);
    }

    private ContinualResult execute(Backbone backbone, List<ContinualTask> tasks, ContinualStrategy strategy,
            boolean resume) throws IOException {
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(strategy, "strategy");
        int numClasses = validate(tasks);
        int epochs = config.epochsFor(strategy);
        boolean causalLm = TaskObjective.isCausalLm(tasks);
        if (causalLm && config.taskInference() != TaskInference.NONE) {
            throw new IllegalArgumentException("task inference " + config.taskInference() + " needs classification "
                    + "tasks; this task stream is causal-LM (generation), whose answers are scored by exact match");
        }
        Block block = backbone.block();
        LoraModel lora = new LoraModel(block);
        if (!lora.loraLayers().isEmpty()) {
            throw new IllegalArgumentException("backbone '" + backbone.name() + "' already has LoRA layers "
                    + lora.loraLayers().keySet() + ": pass a backbone without adapters");
        }
        Checkpoint.Loaded loaded = null;
        if (resume) {
            loaded = Checkpoint.load(config.checkpointDir());
        }
        String sha = Checkpoint.backboneSha256(block);
        if (loaded != null) {
            loaded.checkCompatible(backbone, sha, tasks, strategy, config, numClasses,
                    causalLm ? TaskObjective.CAUSAL_LM : TaskObjective.CLASSIFICATION);
        }
        NDManager parent = parameterManager(block);
        long startNanos = System.nanoTime();
        try (NDManager runManager = parent.newSubManager()) {
            LoraInjector.freezeNonAdapterParameters(block);
            Engine.getInstance().setRandomSeed(seedInt(DataOrder.mix(config.seed(), -1, 0)));
            TaskObjective objective;
            if (causalLm) {
                objective = new TaskObjective.CausalLm(backbone);
            } else {
                Linear head = Linear.builder().setUnits(numClasses).build();
                head.initialize(runManager, DataType.FLOAT32, new Shape(1, backbone.featureDim()));
                objective = new TaskObjective.Classification(backbone, head, numClasses);
            }
            TrainingRun run = new TrainingRun(config, backbone, lora, objective, runManager, tasks, strategy,
                    numClasses, sha, startNanos);
            TaskInferringEvaluation inferring = config.taskInference() == TaskInference.NONE ? null
                    : new TaskInferringEvaluation(config.taskInference(), numClasses, backbone.featureDim());
            List<TrainerListener> listeners = listeners(inferring);
            int start = 0;
            if (loaded != null) {
                loaded.restoreAdapters(lora);
                if (objective.head() != null) {
                    loaded.restoreHead(objective.head());
                }
                start = loaded.completedTasks();
                run.restore(loaded.accuracy(), loaded.taskStats(), loaded.elapsedSeconds());
                if (inferring != null) {
                    inferring.restore(run, loaded, start);
                }
                strategy.attach(run);
                strategy.loadState(loaded.strategyDir(), tasks.subList(0, start));
                LOG.info("resumed {} after task {} of {} from {}", strategy.name(), start, tasks.size(),
                        config.checkpointDir());
            } else {
                strategy.attach(run);
            }
            long remaining = 0;
            for (int k = start; k < tasks.size(); k++) {
                remaining += (long) epochs * tasks.get(k).train().size();
            }
            for (TrainerListener l : listeners) {
                l.runStarted(run, start, remaining);
            }
            try {
                for (int k = start; k < tasks.size(); k++) {
                    trainTask(run, k, epochs, listeners);
                    for (TrainerListener l : listeners) {
                        l.taskFinished(run, k);
                    }
                }
            } finally {
                strategy.close();
            }
            return result(run, start);
        }
    }

    /** The trainer's own parts, in order, then the caller's. */
    private List<TrainerListener> listeners(TaskInferringEvaluation inferring) {
        List<TrainerListener> out = new ArrayList<>();
        out.add(new DivergenceCheck());
        out.add(new ProgressReport(progress));
        out.add(inferring != null ? inferring : new PlainEvaluation());
        if (config.checkpointDir() != null) {
            out.add(new CheckpointWriter(config.checkpointDir(), inferring));
        }
        out.addAll(extraListeners);
        return out;
    }

    /** Checks the tasks; returns the head size. */
    private int validate(List<ContinualTask> tasks) {
        Objects.requireNonNull(tasks, "tasks");
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("no tasks to train");
        }
        Set<Integer> ids = new HashSet<>();
        int maxClass = -1;
        for (ContinualTask t : tasks) {
            if (!ids.add(t.id())) {
                throw new IllegalArgumentException("task id " + t.id() + " is used twice (task '" + t.name() + "')");
            }
            for (int c : t.classes()) {
                maxClass = Math.max(maxClass, c);
            }
        }
        int numClasses = config.numClasses() == 0 ? maxClass + 1 : config.numClasses();
        for (ContinualTask t : tasks) {
            for (int c : t.classes()) {
                if (c >= numClasses) {
                    throw new IllegalArgumentException("class " + c + " of task " + t.id() + " '" + t.name()
                            + "' is outside the head's " + numClasses + " classes (ids 0.." + (numClasses - 1) + ")");
                }
            }
            checkSplit(t, t.train(), "train");
            checkSplit(t, t.test(), "test");
        }
        return numClasses;
    }

    private static void checkSplit(ContinualTask t, TaskData data, String split) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("task " + t.id() + " '" + t.name() + "' has an empty " + split
                    + " split");
        }
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            if (!t.hasClass(label)) {
                throw new IllegalArgumentException("task " + t.id() + " '" + t.name() + "' " + split + " sample " + i
                        + " has label " + label + ", which is not one of the task's classes "
                        + Arrays.toString(t.classes()));
            }
        }
    }

    private static NDManager parameterManager(Block block) {
        for (var p : block.getParameters()) {
            Parameter param = p.getValue();
            if (param.isInitialized()) {
                return param.getArray().getManager();
            }
        }
        throw new IllegalArgumentException("the backbone has no initialised parameter: initialise it first");
    }

    private static int seedInt(long seed) {
        return (int) (seed ^ (seed >>> 32)) & Integer.MAX_VALUE;
    }

    /** Trains task k: the strategy's preparation, the epochs of steps, the strategy's end of task, statistics. */
    private void trainTask(TrainingRun run, int k, int epochs, List<TrainerListener> listeners) {
        List<ContinualTask> tasks = run.tasks();
        ContinualStrategy strategy = run.strategy();
        TaskObjective objective = run.objective();
        NDManager manager = run.manager();
        ContinualTask task = tasks.get(k);
        int batch = config.batchSize();
        int n = task.train().size();
        int steps = (n + batch - 1) / batch;
        Engine.getInstance().setRandomSeed(seedInt(DataOrder.mix(config.seed(), k, -1)));
        // The task's training time includes the strategy's own work before and after the epochs (InfLoRA's
        // representation passes and decompositions, TreeLoRA's tree rebuild): it is part of what the method
        // costs to learn the task.
        long t0 = System.nanoTime();
        strategy.beforeTask(task, k);
        Optimizer optimizer = config.optimizer().create(config.learningRate());
        ParameterStore ps = new ParameterStore(manager, false);
        ps.setParameterServer(new LocalParameterServer(optimizer), new Device[] {run.device()});
        LOG.info("{}: task {}/{} '{}' ({} samples, {} epochs of {} steps)", strategy.name(), k + 1, tasks.size(),
                task.name(), n, epochs, steps);
        long samples = 0;
        long stepCount = 0;
        List<Double> epochLosses = new ArrayList<>();
        try (NDManager taskManager = manager.newSubManager()) {
            NDArray mask = objective.classMask(taskManager, task.classes());
            for (int epoch = 0; epoch < epochs; epoch++) {
                int[] order = DataOrder.permutation(n, config.seed(), k, epoch);
                strategy.beforeEpoch(epoch, steps);
                double lossSum = 0;
                for (int s = 0; s < steps; s++) {
                    int[] idx = Arrays.copyOfRange(order, s * batch, Math.min(n, (s + 1) * batch));
                    double loss;
                    try (NDManager step = manager.newSubManager()) {
                        LabeledBatch b = task.train().batch(idx, step);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray total = objective.loss(ps, b, mask);
                            NDArray term = strategy.lossTerm(step);
                            if (term != null) {
                                total = total.add(term);
                            }
                            loss = total.getFloat();
                            for (TrainerListener l : listeners) {
                                l.lossComputed(run, k, epoch, s, loss);
                            }
                            gc.backward(total);
                        }
                        strategy.afterBackward(loss);
                        ps.updateAllParameters();
                    }
                    lossSum += loss;
                    samples += idx.length;
                    stepCount++;
                    double secs = (System.nanoTime() - t0) / 1e9;
                    TrainingProgress.Step done = new TrainingProgress.Step(strategy.name(), k, tasks.size(), epoch,
                            epochs, s, steps, idx.length, loss, samples / Math.max(secs, 1e-9));
                    for (TrainerListener l : listeners) {
                        l.stepped(run, done);
                    }
                }
                epochLosses.add(lossSum / steps);
                LOG.debug("{}: task {} epoch {} mean loss {}", strategy.name(), k, epoch, lossSum / steps);
            }
        } finally {
            for (TrainerListener l : listeners) {
                l.epochsEnded(run, k);
            }
        }
        strategy.afterTask(task, k);
        double seconds = (System.nanoTime() - t0) / 1e9;
        run.addTaskStats(new ContinualResult.TaskStats(task.id(), task.name(), epochs, stepCount, samples, seconds,
                samples / Math.max(seconds, 1e-9), epochLosses));
        LOG.info("{}: task {} '{}' trained in {} s ({} samples/s), last-epoch loss {}", strategy.name(), k,
                task.name(), String.format("%.2f", seconds), String.format("%.1f", samples / seconds),
                String.format("%.4f", epochLosses.get(epochLosses.size() - 1)));
    }

    private ContinualResult result(TrainingRun run, int resumedAfter) {
        AccuracyMatrix accuracy = run.accuracyMatrix();
        ContinualMetrics metrics = ContinualMetrics.of(accuracy);
        double[] ref = config.referenceAccuracies();
        Double fwt = ref == null ? null : ContinualMetrics.forwardTransfer(accuracy, ref, run.tasks().size());
        List<String> names = new ArrayList<>();
        run.tasks().forEach(t -> names.add(t.name()));
        ContinualStrategy strategy = run.strategy();
        return new ContinualResult(strategy.name(), strategy.settings(), config.toMap(), config.protocol(),
                config.seed(), run.backbone().name(), run.backboneSha256(), names, accuracy.toArray(), metrics, fwt,
                run.taskStats(), run.elapsedSeconds(), resumedAfter, RunEnvironment.of(run.device()));
    }

    /**
     * Masked cross-entropy with integer labels: {@code mean(-log_softmax(logits + mask)[label])}. Built from
     * arrays only (no Java scalar enters the recorded graph).
     */
    static NDArray crossEntropy(NDArray logits, NDArray mask, NDArray labels) {
        NDArray logp = logits.add(mask).logSoftmax(1);
        NDArray index = labels.toType(DataType.INT64, false).reshape(-1, 1);
        return logp.gather(index, 1).mean().neg();
    }
}
