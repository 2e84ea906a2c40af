package io.github.treelora.examples.adapter;

import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.cl.Backbone;
import io.github.treelora.djl.cl.ContinualResult;
import io.github.treelora.djl.cl.ContinualStrategy;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.ContinualTrainer;
import io.github.treelora.djl.cl.ContinualTrainerConfig;
import io.github.treelora.djl.cl.EvaluationProtocol;
import io.github.treelora.djl.cl.StrategyRegistry;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.lora.PeftAdapterIO;
import io.github.treelora.djl.models.ModelFamilies;
import io.github.treelora.djl.models.vit.ViTModel;
import io.github.treelora.examples.backbone.Backbones;
import io.github.treelora.examples.benchmark.ContinualBenchmark;
import io.github.treelora.examples.benchmark.Strategies;
import io.github.treelora.examples.benchmark.TaskSizes;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.SplitOptions;
import io.github.treelora.examples.data.TrainTest;
import io.github.treelora.examples.runtime.DataCache;
import io.github.treelora.examples.runtime.OptionCheck;
import io.github.treelora.examples.runtime.RunDirectory;
import io.github.treelora.examples.runtime.ConsoleProgress;
import io.github.treelora.examples.runtime.RunLog;
import io.github.treelora.examples.splitmnist.ImageTaskOptions;
import io.github.treelora.examples.splitmnist.SplitMnistData;
import io.github.treelora.metrics.ContinualMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train-adapter}: the shortest way from a clone to trained LoRA adapter files. It learns Split-MNIST (5 tasks
 * of 2 digits, class-incremental) with one strategy on the shipped, frozen ViT backbone (LoRA rank 4, alpha 8 on
 * attention query and value, as the main job) and writes into {@code --output}:
 * <ul>
 *   <li>{@code <adapter>/adapter_config.json} and {@code <adapter>/adapter_model.safetensors} for every adapter of
 *       the trained model, in the Hugging Face PEFT layout ({@link PeftAdapterIO}); TreeLoRA's PAPER preset trains
 *       one adapter per task ({@code task0} ... {@code task4}, used together), the other strategies fewer;</li>
 *   <li>{@code checkpoint/}: the trainer's last checkpoint, which also holds the classification head
 *       ({@code head.safetensors}) that PEFT files do not carry;</li>
 *   <li>{@code result.json}: the accuracy matrix and timings ({@link ContinualResult#toJson()});</li>
 *   <li>{@value RunDirectory#ARGS_FILE}: the options, which {@code --resume} checks.</li>
 * </ul>
 * The run is prepared next to {@code --output} and replaces it as a whole when complete ({@link RunDirectory}), so a
 * killed run never mixes with earlier content; {@code --resume} continues it from its last finished task.
 */
@Command(name = "train-adapter", mixinStandardHelpOptions = true,
        description = "Trains LoRA adapters on Split-MNIST with one strategy and saves them in the PEFT layout "
                + "(adapter_config.json + adapter_model.safetensors per adapter).")
public final class TrainAdapterCommand implements Callable<Integer> {

    /** The sub-directory of {@code --output} that holds the trainer's checkpoint. */
    public static final String CHECKPOINT_DIR = "checkpoint";

    /** The result file in {@code --output}. */
    public static final String RESULT_FILE = "result.json";

    @Spec
    private CommandSpec spec;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Where the adapters, the checkpoint and result.json go (created if absent; an existing "
                    + "directory must be empty unless --overwrite or --resume is given).")
    Path output;

    @Option(names = "--strategy", defaultValue = "treelora", paramLabel = "NAME",
            description = "One of seqlora, olora, inflora, treelora (PAPER preset), treelora-reference "
                    + "(default: ${DEFAULT-VALUE}).")
    String strategy;

    @Mixin
    ImageTaskOptions images = new ImageTaskOptions(500, 200);

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "N",
            description = "Epochs per task (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--overwrite", description = RunDirectory.OVERWRITE_HELP)
    boolean overwrite;

    @Option(names = "--resume", description = RunDirectory.RESUME_HELP)
    boolean resume;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset cache (default: $TREELORA_DATA or ~/.cache/treelora/data).")
    Path data;

    @Option(names = {"-v", "--verbose"}, description = "Also show the log's details (per task) on the console; "
            + "they are always in --output's run.log.")
    boolean verbose;

    /** Creates the command (picocli fills the options). */
    public TrainAdapterCommand() {}

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = strategy.trim().toLowerCase(Locale.ROOT);
        if (!Strategies.NAMES.contains(name)) {
            err.println("train-adapter: " + StrategyRegistry.unknown(strategy));
            return 2;
        }
        if (!images.check(new OptionCheck("train-adapter", err)).atLeast("--epochs", epochs, 1).ok()) {
            return 2;
        }
        RunDirectory run = RunDirectory.open(spec, output, overwrite, resume, out, err);
        if (run == null) {
            return 2;
        }
        if (run.finished()) {
            return 0;
        }
        RunLog.open(run.work(), verbose);
        Path cache = data != null ? data : Datasets.defaultCache();
        TrainTest<ImageDataset> mnist = DataCache.loadOrFetch(cache, out, () -> Datasets.mnist(cache));
        List<ContinualTask> tasks = SplitMnistData.tasks(mnist,
                SplitOptions.full().withPerTaskCaps(images.trainPerTask, images.testPerTask).withSeed(seed));
        Path bbDir = images.backbone();
        LoraConfig lora = LoraConfig.builder().rank(4).alpha(8)
                .targetModules(ModelFamilies.of(ViTModel.class).defaultLoraTargets()).build();
        ContinualTrainerConfig config = ContinualTrainerConfig.builder().epochs(epochs).batchSize(64)
                .learningRate(5e-3).seed(seed).protocol(EvaluationProtocol.CLASS_INCREMENTAL).numClasses(10)
                .checkpointDir(run.work().resolve(CHECKPOINT_DIR)).progress(false).build();
        try (NDManager manager = NDManager.newBaseManager();
                ContinualStrategy method = Strategies.create(name, lora, seed);
                ConsoleProgress bar = ConsoleProgress.onTerminal("seed " + seed)) {
            Backbone backbone = Backbones.pooledBackbone(bbDir, manager);
            out.printf(Locale.ROOT, "train-adapter: %s on Split-MNIST (%s train / %s test images per task, %d epoch(s)), "
                    + "backbone %s%n", method.name(), TaskSizes.perTask(tasks, true), TaskSizes.perTask(tasks, false),
                    epochs, bbDir);
            out.flush();
            ContinualResult result = ContinualBenchmark.runOrResume(new ContinualTrainer(config, bar), backbone,
                    tasks, method);
            bar.close();
            run.writeResult(result.toJson(), RESULT_FILE);
            // The shipped backbone lives inside the build's target folder: record its class-path name instead.
            String baseModel = images.backboneDir != null ? images.backboneDir.toString()
                    : Backbones.SHIPPED_RESOURCE;
            List<Path> written = saveAdapters(new LoraModel(backbone.block()), run.work(), baseModel);
            // Everything is complete: the run replaces the output as a whole.
            run.commit();
            ContinualMetrics m = ContinualMetrics.of(result.accuracyMatrix());
            out.printf(Locale.ROOT, "train-adapter: ACC %.2f%%, BWT %.2f%% after %d tasks in %.1f s%s%n",
                    100 * m.accuracy(), 100 * m.backwardTransfer(), tasks.size(), result.totalSeconds(),
                    result.resumedAfterTask() > 0 ? " (resumed after task " + result.resumedAfterTask() + ")" : "");
            for (Path p : written) {
                out.println("train-adapter: wrote " + output.resolve(p.getFileName()).resolve(PeftAdapterIO.CONFIG_FILE)
                        + " and " + PeftAdapterIO.WEIGHTS_FILE);
            }
            out.println("train-adapter: checkpoint (with the classification head) in "
                    + output.resolve(CHECKPOINT_DIR) + ", result in " + output.resolve(RESULT_FILE));
            out.flush();
        }
        return 0;
    }

    /**
     * Saves every adapter of a model in the PEFT layout, adapter {@code name} into {@code dir/name} (PEFT's layout
     * for named adapters).
     *
     * @param model the trained model
     * @param dir the parent directory
     * @param baseModel recorded as {@code base_model_name_or_path}
     * @return the adapter directories, in the model's adapter order
     * @throws IOException if writing fails
     */
    public static List<Path> saveAdapters(LoraModel model, Path dir, String baseModel) throws IOException {
        List<Path> written = new ArrayList<>();
        for (String adapter : model.adapterNames()) {
            Path target = dir.resolve(adapter);
            PeftAdapterIO.save(model, adapter, target, null, baseModel);
            written.add(target);
        }
        return written;
    }
}
