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
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.lora.LoraInjector;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.metrics.AccuracyMatrix;
import io.github.treelora.metrics.ContinualMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
 * Adam optimizer is created (so its moments are reset at every task; this also makes a resume exact), each
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
        this.config = Objects.requireNonNull(config, "config");
        this.progress = Objects.requireNonNull(progress, "progress");
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
     * @param strategy a new instance of the same strategy with the same settings
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
            loaded.checkCompatible(backbone, sha, tasks, strategy.name(), config, numClasses,
                    causalLm ? TaskObjective.CAUSAL_LM : TaskObjective.CLASSIFICATION);
        }
        NDManager parent = parameterManager(block);
        long startNanos = System.nanoTime();
        try (NDManager run = parent.newSubManager()) {
            LoraInjector.freezeNonAdapterParameters(block);
            Engine.getInstance().setRandomSeed(seedInt(DataOrder.mix(config.seed(), -1, 0)));
            TaskObjective objective;
            if (causalLm) {
                objective = new TaskObjective.CausalLm(backbone);
            } else {
                Linear head = Linear.builder().setUnits(numClasses).build();
                head.initialize(run, DataType.FLOAT32, new Shape(1, backbone.featureDim()));
                objective = new TaskObjective.Classification(backbone, head, numClasses);
            }
            Session s = new Session(backbone, lora, objective, run, tasks, strategy, numClasses, sha);
            int start = 0;
            double previousSeconds = 0;
            if (loaded != null) {
                loaded.restoreAdapters(lora);
                if (objective.head() != null) {
                    loaded.restoreHead(objective.head());
                }
                start = loaded.completedTasks();
                previousSeconds = loaded.elapsedSeconds();
                s.accuracy = loaded.accuracy();
                s.stats.addAll(loaded.taskStats());
                if (s.identity != null) {
                    for (int k = 0; k < start; k++) {
                        s.recordTaskIdentity(k, loaded.taskActiveAdapters(k));
                    }
                }
                strategy.attach(s);
                strategy.loadState(loaded.strategyDir(), tasks.subList(0, start));
                LOG.info("resumed {} after task {} of {} from {}", strategy.name(), start, tasks.size(),
                        config.checkpointDir());
            } else {
                strategy.attach(s);
            }
            long remaining = 0;
            for (int k = start; k < tasks.size(); k++) {
                remaining += (long) config.epochsFor(strategy.name()) * tasks.get(k).train().size();
            }
            progress.started(strategy.name(), remaining);
            try {
                for (int k = start; k < tasks.size(); k++) {
                    s.trainTask(k);
                    if (s.identity != null) {
                        s.recordTaskIdentity(k, lora.activeAdaptersByLayer());
                    }
                    s.evaluateAfter(k);
                    if (config.checkpointDir() != null) {
                        double elapsed = previousSeconds + (System.nanoTime() - startNanos) / 1e9;
                        Checkpoint.save(config.checkpointDir(), s.checkpointData(k + 1, elapsed));
                    }
                }
            } finally {
                strategy.close();
            }
            double total = previousSeconds + (System.nanoTime() - startNanos) / 1e9;
            return s.result(total, start);
        }
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

    /** The state of one run; it is also the strategies' context. */
    private final class Session implements StrategyContext {
        final Backbone backbone;
        final LoraModel lora;
        final TaskObjective objective;
        final NDManager run;
        final List<ContinualTask> tasks;
        final ContinualStrategy strategy;
        final int numClasses;
        final String sha;
        final Device device;
        /** Class means and per-task adapter sets for task inference; null without it. */
        final TaskIdentity identity;
        AccuracyMatrix accuracy;
        final List<ContinualResult.TaskStats> stats = new ArrayList<>();

        Session(Backbone backbone, LoraModel lora, TaskObjective objective, NDManager run, List<ContinualTask> tasks,
                ContinualStrategy strategy, int numClasses, String sha) {
            this.backbone = backbone;
            this.lora = lora;
            this.objective = objective;
            this.run = run;
            this.tasks = tasks;
            this.strategy = strategy;
            this.numClasses = numClasses;
            this.sha = sha;
            this.device = run.getDevice();
            this.accuracy = new AccuracyMatrix(tasks.size());
            this.identity = config.taskInference() == TaskInference.NONE ? null
                    : new TaskIdentity(config.taskInference(), numClasses, backbone.featureDim());
        }

        /** Stores task k's adapter-free class statistics (one pass over its training split) and adapter sets. */
        void recordTaskIdentity(int k, Map<String, List<String>> active) {
            TaskData data = tasks.get(k).train();
            Map<Integer, TaskIdentity.ClassSums> sums = new LinkedHashMap<>();
            ParameterStore ps = new ParameterStore(run, false);
            int d = (int) backbone.featureDim();
            lora.setAdaptersEnabled(false);
            try {
                for (int from = 0; from < data.size(); from += config.evalBatchSize()) {
                    int[] idx = range(from, Math.min(data.size(), from + config.evalBatchSize()));
                    try (NDManager step = run.newSubManager()) {
                        float[] f = objective.features(ps, data.batch(idx, step).inputs()).toFloatArray();
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

        @Override
        public LoraModel lora() {
            return lora;
        }

        @Override
        public NDManager manager() {
            return run;
        }

        @Override
        public long seed() {
            return config.seed();
        }

        @Override
        public int batchSize() {
            return config.batchSize();
        }

        @Override
        public int forwardPasses(TaskData data, int maxBatches) {
            ParameterStore ps = new ParameterStore(run, false);
            int n = Math.min(data.size(), Math.max(0, maxBatches) * config.batchSize());
            for (int from = 0; from < n; from += config.batchSize()) {
                int[] idx = range(from, Math.min(n, from + config.batchSize()));
                try (NDManager step = run.newSubManager()) {
                    objective.observe(ps, data.batch(idx, step).inputs());
                }
            }
            return n;
        }

        void trainTask(int k) {
            ContinualTask task = tasks.get(k);
            int epochs = config.epochsFor(strategy.name());
            int batch = config.batchSize();
            int n = task.train().size();
            int steps = (n + batch - 1) / batch;
            Engine.getInstance().setRandomSeed(seedInt(DataOrder.mix(config.seed(), k, -1)));
            // The task's training time includes the strategy's own work before and after the epochs (InfLoRA's
            // representation passes and decompositions, TreeLoRA's tree rebuild): it is part of what the method
            // costs to learn the task.
            long t0 = System.nanoTime();
            strategy.beforeTask(task, k);
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) config.learningRate()))
                    .build();
            ParameterStore ps = new ParameterStore(run, false);
            ps.setParameterServer(new LocalParameterServer(adam), new Device[] {device});
            LOG.info("{}: task {}/{} '{}' ({} samples, {} epochs of {} steps)", strategy.name(), k + 1, tasks.size(),
                    task.name(), n, epochs, steps);
            long samples = 0;
            long stepCount = 0;
            List<Double> epochLosses = new ArrayList<>();
            try (NDManager taskManager = run.newSubManager()) {
                NDArray mask = objective.classMask(taskManager, task.classes());
                for (int epoch = 0; epoch < epochs; epoch++) {
                    int[] order = DataOrder.permutation(n, config.seed(), k, epoch);
                    strategy.beforeEpoch(epoch, steps);
                    double lossSum = 0;
                    for (int s = 0; s < steps; s++) {
                        int[] idx = Arrays.copyOfRange(order, s * batch, Math.min(n, (s + 1) * batch));
                        double loss;
                        try (NDManager step = run.newSubManager()) {
                            LabeledBatch b = task.train().batch(idx, step);
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray total = objective.loss(ps, b, mask);
                                NDArray term = strategy.lossTerm(step);
                                if (term != null) {
                                    total = total.add(term);
                                }
                                loss = total.getFloat();
                                if (!Double.isFinite(loss)) {
                                    throw new NonFiniteLossException(strategy.name(), task, k, epoch, s, loss);
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
                        progress.stepped(new TrainingProgress.Step(strategy.name(), k, tasks.size(), epoch, epochs, s,
                                steps, idx.length, loss, samples / Math.max(secs, 1e-9)));
                    }
                    epochLosses.add(lossSum / steps);
                    LOG.debug("{}: task {} epoch {} mean loss {}", strategy.name(), k, epoch, lossSum / steps);
                }
            } finally {
                progress.taskTrained();
            }
            strategy.afterTask(task, k);
            double seconds = (System.nanoTime() - t0) / 1e9;
            stats.add(new ContinualResult.TaskStats(task.id(), task.name(), epochs, stepCount, samples, seconds,
                    samples / Math.max(seconds, 1e-9), epochLosses));
            LOG.info("{}: task {} '{}' trained in {} s ({} samples/s), last-epoch loss {}", strategy.name(), k,
                    task.name(), String.format("%.2f", seconds), String.format("%.1f", samples / seconds),
                    String.format("%.4f", epochLosses.get(epochLosses.size() - 1)));
        }

        void evaluateAfter(int j) {
            TreeSet<Integer> seen = new TreeSet<>();
            for (int i = 0; i <= j; i++) {
                for (int c : tasks.get(i).classes()) {
                    seen.add(c);
                }
            }
            int[] seenClasses = seen.stream().mapToInt(Integer::intValue).toArray();
            ParameterStore ps = new ParameterStore(run, false);
            StringBuilder line = new StringBuilder();
            long[] taskHits = new long[2];
            for (int i = 0; i <= j; i++) {
                ContinualTask t = tasks.get(i);
                double acc = identity != null ? evaluateInferringTask(ps, i, j, taskHits)
                        : evaluate(ps, t, config.protocol() == EvaluationProtocol.TASK_INCREMENTAL
                        ? t.classes() : seenClasses);
                accuracy.set(i, j, acc);
                line.append(String.format(" %.4f", acc));
            }
            LOG.info("{}: accuracy after task {}:{}", strategy.name(), j, line);
            if (identity != null) {
                LOG.info("{}: task-identity accuracy after task {}: {}", strategy.name(), j,
                        String.format("%.4f", (double) taskHits[0] / taskHits[1]));
            }
        }

        /**
         * Accuracy on task i's test split after task j with {@link TaskInference}: each sample goes through the
         * model of its predicted task. {@code hits} accumulates {correct task predictions, samples}.
         */
        double evaluateInferringTask(ParameterStore ps, int i, int j, long[] hits) {
            TaskData data = tasks.get(i).test();
            Map<String, List<String>> current = lora.activeAdaptersByLayer();
            long correct = 0;
            try (NDManager evalManager = run.newSubManager()) {
                NDArray[] masks = new NDArray[j + 1];
                for (int from = 0; from < data.size(); from += config.evalBatchSize()) {
                    int[] idx = range(from, Math.min(data.size(), from + config.evalBatchSize()));
                    int[] predicted;
                    try (NDManager step = run.newSubManager()) {
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
                            masks[p] = objective.classMask(evalManager, tasks.get(p).classes());
                        }
                        lora.setActiveAdaptersByLayer(identity.activeAt(p));
                        try (NDManager step = run.newSubManager()) {
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

        double evaluate(ParameterStore ps, ContinualTask t, int[] visible) {
            TaskData data = t.test();
            double correct = 0;
            try (NDManager evalManager = run.newSubManager()) {
                NDArray mask = objective.classMask(evalManager, visible);
                for (int from = 0; from < data.size(); from += config.evalBatchSize()) {
                    int[] idx = range(from, Math.min(data.size(), from + config.evalBatchSize()));
                    try (NDManager step = run.newSubManager()) {
                        correct += objective.score(ps, data, idx, step, mask);
                    }
                }
            }
            return correct / data.size();
        }

        Checkpoint.Data checkpointData(int completed, double elapsedSeconds) {
            return new Checkpoint.Data(completed, strategy, config, numClasses, backbone.name(), sha, tasks,
                    accuracy, List.copyOf(stats), elapsedSeconds, lora, objective.head(), objective.name(),
                    identity == null ? null : identity.activeSetsUpTo(completed));
        }

        ContinualResult result(double totalSeconds, int resumedAfter) {
            ContinualMetrics metrics = ContinualMetrics.of(accuracy);
            double[] ref = config.referenceAccuracies();
            Double fwt = ref == null ? null : ContinualMetrics.forwardTransfer(accuracy, ref, tasks.size());
            List<String> names = new ArrayList<>();
            tasks.forEach(t -> names.add(t.name()));
            return new ContinualResult(strategy.name(), strategy.settings(), config.toMap(), config.protocol(),
                    config.seed(), backbone.name(), sha, names, accuracy.toArray(), metrics, fwt, List.copyOf(stats),
                    totalSeconds, resumedAfter, environment(device));
        }
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

    private static int[] range(int from, int to) {
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return idx;
    }

    /** JVM, OS, engine and thread information for reports. */
    static Map<String, Object> environment(Device device) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("javaVersion", System.getProperty("java.version"));
        env.put("javaVendor", System.getProperty("java.vendor"));
        env.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        env.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        Engine engine = Engine.getInstance();
        env.put("engine", engine.getEngineName() + " " + engine.getVersion());
        env.put("djlVersion", Engine.getDjlVersion());
        env.put("device", device.toString());
        env.put("intraOpThreads", System.getProperty("ai.djl.pytorch.num_threads", "engine default"));
        env.put("interOpThreads", System.getProperty("ai.djl.pytorch.num_interop_threads", "engine default"));
        env.put("ompNumThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        return env;
    }
}
