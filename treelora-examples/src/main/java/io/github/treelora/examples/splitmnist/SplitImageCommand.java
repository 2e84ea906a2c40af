package io.github.treelora.examples.splitmnist;

import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.TaskInference;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.models.ModelFamilies;
import io.github.treelora.djl.models.vit.ViTModel;
import io.github.treelora.examples.backbone.BackboneCard;
import io.github.treelora.examples.backbone.Backbones;
import io.github.treelora.examples.benchmark.BenchmarkOptions;
import io.github.treelora.examples.benchmark.Budget;
import io.github.treelora.examples.benchmark.ContinualBenchmark;
import io.github.treelora.examples.benchmark.ContinualReport;
import io.github.treelora.examples.benchmark.ReportSetup;
import io.github.treelora.examples.benchmark.TaskSizes;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.SplitOptions;
import io.github.treelora.examples.data.TrainTest;
import io.github.treelora.examples.runtime.DataCache;
import io.github.treelora.examples.runtime.Machine;
import io.github.treelora.examples.runtime.RunDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The image benchmark jobs ({@code split-mnist}, {@code split-fashion-mnist}): 5 tasks of 2 classes,
 * class-incremental, on the frozen, self-pretrained ViT backbone with SeqLoRA, O-LoRA, InfLoRA and TreeLoRA;
 * prints a table and writes {@value ContinualReport#JSON_FILE} and {@value ContinualReport#MARKDOWN_FILE}. The
 * subclasses name the dataset; options and the job are shared.
 */
public abstract class SplitImageCommand implements Callable<Integer> {

    /**
     * Default budgets, by strategy name, chosen on the validation holdout ({@code --validation}, CLASS_GAUSSIAN task
     * inference; docs/main-job.md section 2). lr 1e-2 for all: the best of 5e-3, 1e-2 and 2e-2 for both O-LoRA and
     * InfLoRA. Epochs: each baseline gets the budget of its best validation ACC (3); TreeLoRA the smallest budget
     * whose mean validation ACC over seeds 1, 2 and 3 is within 1 point of the best baseline's (2; 1 epoch was 1.21
     * points short).
     */
    static final Map<String, Budget> DEFAULTS = Map.of("seqlora", new Budget(3, 1e-2), "olora", new Budget(3, 1e-2),
            "inflora", new Budget(3, 1e-2), "treelora", new Budget(2, 1e-2), "treelora-reference", new Budget(3, 1e-2));

    @Spec
    private CommandSpec spec;

    @Mixin
    BenchmarkOptions options = new BenchmarkOptions(64, 4, TaskInference.CLASS_GAUSSIAN, DEFAULTS);

    @Mixin
    ImageTaskOptions images = new ImageTaskOptions(2000, 1000);

    /**
     * What a subclass's dataset is: its name, loader and the report's wording.
     *
     * @param datasetName the dataset's display name, e.g. "MNIST"
     * @param loader loads train and test sets (10 classes) from the cache; throws if they are missing or unreadable
     * @param dataSource one markdown sentence on the data source (package and version)
     * @param taskDescription what a task holds, e.g. "2 digits"
     * @param taskPrefix the prefix of task names, e.g. "digits"
     * @param backboneDomainNote a note on how the dataset relates to the backbone's pretraining data, for the report
     */
    protected record ImageSplit(String datasetName, Loader loader, String dataSource, String taskDescription,
            String taskPrefix, String backboneDomainNote) {
    }

    /** Loads a dataset from the cache directory. */
    @FunctionalInterface
    protected interface Loader {
        /**
         * Loads the dataset.
         *
         * @param cache the cache directory
         * @return train and test sets
         * @throws IOException if it is missing or unreadable
         */
        TrainTest<ImageDataset> load(Path cache) throws IOException;
    }

    private final ImageSplit dataset;

    /**
     * For subclasses.
     *
     * @param dataset the subclass's dataset
     */
    protected SplitImageCommand(ImageSplit dataset) {
        this.dataset = dataset;
    }

    @Override
    public Integer call() throws IOException {
        String job = spec.name();
        BenchmarkOptions.Begun begun = options.begin(spec, null, images::check);
        if (begun.run() == null) {
            return begun.exitCode();
        }
        BenchmarkOptions.Start start = begun.start();
        PrintWriter out = start.out();
        PrintWriter err = start.err();
        Map<String, Budget> budgets = start.budgets();
        RunDirectory run = begun.run();
        List<String> names = start.names();
        boolean quick = options.quick;
        boolean validation = options.validation;
        int rank = options.rank;
        int train = quick ? 64 : images.trainPerTask;
        int test = quick ? 50 : images.testPerTask;
        List<Long> runSeeds = options.runSeeds();
        Path dir = run.output();
        Path cache = options.cache();
        TrainTest<ImageDataset> data = DataCache.loadOrFetch(cache, out, () -> dataset.loader().load(cache));
        Path bbDir = images.backbone();
        BackboneCard card = Backbones.readCard(bbDir);
        ContinualBenchmark.TaskSource source = seed -> SplitMnistData.tasks(validation
                ? SplitMnistData.validationSplit(data.train(), 500, seed) : data,
                SplitOptions.full().withPerTaskCaps(train, test).withSeed(seed), dataset.taskPrefix());
        // The first seed's tasks, built once: the banner reports the sizes they really have.
        long firstSeed = runSeeds.get(0);
        List<ContinualTask> firstTasks = source.tasks(firstSeed);
        out.printf(job + ": backbone %s (%s, %d parameters, %.2f%% on Fashion-MNIST test); %s train / %s %s "
                + "images per task; strategies %s; budgets %s; seeds %s; output %s%n", bbDir, card.provenance(),
                card.parameters(), 100 * card.testAccuracy(), TaskSizes.perTask(firstTasks, true),
                TaskSizes.perTask(firstTasks, false), validation ? "validation" : "test", names, budgets, runSeeds,
                dir);
        out.flush();
        LoraConfig lora = options.lora(ModelFamilies.of(ViTModel.class).defaultLoraTargets());
        ContinualBenchmark.Outcome outcome = ContinualBenchmark.run(runSeeds, names, budgets,
                options.settings(256, 10, lora),
                seed -> seed == firstSeed ? firstTasks : source.tasks(seed),
                manager -> Backbones.pooledBackbone(bbDir, manager), run.checkpoints(), out);
        double wall = start.seconds();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("Protocol", ContinualBenchmark.protocolSentence("classes", options.taskInference));
        settings.put("LoRA", "rank " + rank + ", alpha " + 2 * rank + ", on attention query and value of all layers");
        settings.put("Optimizer", options.optimizerSetting());
        settings.put("Seeds", runSeeds + " (subsampling, initialisation and data order)");
        String name = dataset.datasetName();
        ReportSetup setup = new ReportSetup("Split-" + name + ": SeqLoRA, O-LoRA, InfLoRA and TreeLoRA on a "
                + "self-pretrained ViT", dataset.taskDescription(), RunDirectory.commandLine(spec), start.started(),
                Machine.describe(), wall, backboneSentence(card), dataset.dataSource(),
                validation ? "validation holdout of the " + name + " training set (500 images per class)"
                        : name + " test set",
                TaskSizes.largest(firstTasks, true), TaskSizes.largest(firstTasks, false),
                outcome.budgets(), runSeeds, quick, settings);
        ContinualReport report = new ContinualReport(setup, outcome.runs(), outcome.fullResults(), List.of(
                dataset.backboneDomainNote(),
                "Setting: class-incremental without replay, a LoRA of rank " + rank + " on a 139k-parameter backbone "
                        + "pretrained on Fashion-MNIST only; the paper's figures (ViT-B/16 pretrained on ImageNet-21K, "
                        + "Split CIFAR-100 and others) are not comparable, and low absolute ACC is expected here.",
                "Hyperparameters (lr, epochs) were chosen with split-mnist --validation on a holdout of the MNIST "
                        + "training set, never on the test set; TreeLoRA keeps the paper's lambda 0.1 (0 and 0.5 were "
                        + "no better there) and depth 5."), outcome.trees());
        report.publish(run, job, out);
        return 0;
    }

    private static String backboneSentence(BackboneCard card) {
        return String.format(Locale.ROOT, "**%s** ViT (%d parameters), frozen; trained by this project "
                + "on %s, %d epochs, %.2f%% accuracy on the Fashion-MNIST test set (%d images); made with `%s` "
                + "on %s. No pretrained vision weights are reachable offline, so the backbone is "
                + "self-pretrained, not an ImageNet model.", card.provenance(), card.parameters(), card.data(),
                card.epochs(), 100 * card.testAccuracy(), card.testImages(), card.command(), card.date());
    }
}
