package io.github.treelora.examples.backbone;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.cl.DataOrder;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.TrainTest;
import io.github.treelora.examples.runtime.DataCache;
import io.github.treelora.examples.runtime.Divergence;
import io.github.treelora.examples.runtime.Machine;
import io.github.treelora.examples.runtime.OptionCheck;
import io.github.treelora.examples.runtime.RunDirectory;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.io.AtomicDirectory;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pretrain-backbone}: the offline-initialisation stage. Trains a small ViT from scratch on all of
 * Fashion-MNIST (10 classes, 60,000 images; Adam, linear warm-up then cosine decay), measures its accuracy
 * on the 10,000 test images and writes it with {@link Backbones#save} (Hugging Face names, safetensors,
 * {@code config.json}, card). The output is checked before training, replaced only with {@code --overwrite} and
 * then as a whole; a training whose loss or weights stop being finite writes nothing and exits with 1. The continual-learning jobs freeze this backbone and learn MNIST with LoRA.
 */
@Command(name = "pretrain-backbone", mixinStandardHelpOptions = true,
        description = "Pretrain the small ViT backbone on Fashion-MNIST and write it (safetensors + config.json + card).")
public final class PretrainBackboneCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--epochs", defaultValue = "4", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "128", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation and shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Output directory (the shipped backbone: treelora-examples/src/main/resources/"
                    + Backbones.SHIPPED_RESOURCE + ").")
    Path output;

    @Option(names = "--overwrite", description = RunDirectory.OVERWRITE_HELP)
    boolean overwrite;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset cache (default: $TREELORA_DATA or ~/.cache/treelora/data).")
    Path data;

    @Option(names = "--patch", defaultValue = "7", description = "Patch side, divides 28 (default: ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--hidden", defaultValue = "64", description = "Model width (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "4", description = "Encoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--mlp", defaultValue = "128", description = "Feed-forward width (default: ${DEFAULT-VALUE}).")
    int mlp;

    @Option(names = "--train-limit", paramLabel = "N",
            description = "Use only the first N training images (for smoke tests; the card records N).")
    Integer trainLimit;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String job = spec.name();
        if (!new OptionCheck(job, err).atLeast("--epochs", epochs, 1).atLeast("--batch", batch, 1)
                .positive("--lr", lr).atLeast("--train-limit", trainLimit, 1).ok()) {
            return 2;
        }
        String outputProblem = RunDirectory.outputProblem(output, overwrite);
        if (outputProblem != null) {
            err.println(job + ": " + outputProblem);
            return 2;
        }
        Path cache = data != null ? data : Datasets.defaultCache();
        TrainTest<ImageDataset> fashion = DataCache.loadOrFetch(cache, out, () -> Datasets.fashionMnist(cache));
        ImageDataset train = fashion.train();
        if (trainLimit != null && trainLimit < train.size()) {
            int[] first = new int[trainLimit];
            Arrays.setAll(first, i -> i);
            train = train.subset(first);
        }
        ImageDataset test = fashion.test();
        ViTConfig config = new ViTConfig(train.height(), patch, 1, hidden, layers, heads, mlp, 1e-12f,
                train.numClasses(), true, 0f, 0f);
        Engine.getInstance().setRandomSeed((int) seed);
        ViTForImageClassification vit = new ViTForImageClassification(config);
        int stepsPerEpoch = (train.size() + batch - 1) / batch;
        int totalSteps = stepsPerEpoch * epochs;
        int warmUp = Math.min(200, Math.max(1, totalSteps / 10));
        Tracker schedule = Tracker.warmUp()
                .setMainTracker(Tracker.cosine().setBaseValue((float) lr).optFinalValue((float) lr * 0.02f)
                        .setMaxUpdates(totalSteps - warmUp).build())
                .optWarmUpSteps(warmUp).optWarmUpBeginValue((float) lr * 0.02f).build();
        out.printf("pretrain-backbone: ViT image %d patch %d hidden %d layers %d heads %d mlp %d on %s (%d images), "
                + "%d epochs x %d steps, batch %d, lr %.2g, seed %d%n", config.imageSize(), patch, hidden, layers,
                heads, mlp, train.name(), train.size(), epochs, stepsPerEpoch, batch, lr, seed);
        out.flush();
        double trainSeconds;
        double accuracy;
        long parameters;
        try (Model model = Model.newInstance("backbone", "PyTorch")) {
            model.setBlock(vit);
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(schedule).build());
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(vit.inputShape());
                parameters = vit.getParameters().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
                int[] labels = train.labels();
                SplittableRandom rnd = new SplittableRandom(seed);
                long t0 = System.nanoTime();
                for (int epoch = 0; epoch < epochs; epoch++) {
                    int[] order = DataOrder.permutation(train.size(), rnd);
                    double lossSum = 0;
                    long te = System.nanoTime();
                    for (int s = 0; s < stepsPerEpoch; s++) {
                        int[] idx = Arrays.copyOfRange(order, s * batch, Math.min(order.length, (s + 1) * batch));
                        try (NDManager step = model.getNDManager().newSubManager()) {
                            NDArray x = PixelBatches.pixels(train, idx, step);
                            NDArray y = PixelBatches.labels(labels, idx, step);
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                                NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                                float value = loss.getFloat();
                                String diverged = Divergence.loss(job, value, "epoch " + (epoch + 1) + "/" + epochs
                                        + ", step " + (s + 1) + "/" + stepsPerEpoch, lr, output);
                                if (diverged != null) {
                                    err.println(diverged);
                                    return 1;
                                }
                                lossSum += value;
                                gc.backward(loss);
                            }
                            trainer.step();
                        }
                    }
                    double sec = (System.nanoTime() - te) / 1e9;
                    out.printf("  epoch %d/%d: mean loss %.4f, %.1f s, %.0f images/s%n", epoch + 1, epochs,
                            lossSum / stepsPerEpoch, sec, train.size() / sec);
                    out.flush();
                }
                trainSeconds = (System.nanoTime() - t0) / 1e9;
                accuracy = accuracy(trainer, model.getNDManager(), test);
            }
            String command = RunDirectory.commandLine(spec);
            BackboneCard card = new BackboneCard(BackboneCard.SELF_PRETRAINED,
                    "Fashion-MNIST train (" + train.size() + " images, 10 classes; Debian dataset-fashion-mnist), "
                            + "pixels scaled to [0,1] then (x-0.5)/0.5, no augmentation",
                    train.size(), epochs, batch, lr, seed, accuracy, test.size(), round1(trainSeconds), parameters,
                    command, Instant.now().toString(), Machine.describe());
            String badWeights = Divergence.weights(job, StateDict.snapshot(vit), Float.MAX_VALUE, output);
            if (badWeights != null) {
                err.println(badWeights);
                return 1;
            }
            // The whole directory is replaced at once, so a kill leaves the previous backbone or the new one.
            AtomicDirectory.replace(output, dir -> Backbones.save(dir, vit, Datasets.FASHION_MNIST_CLASSES, card));
        }
        out.printf("pretrain-backbone: %d parameters, trained in %.1f s, Fashion-MNIST test accuracy %.2f%% (%d images); "
                + "written to %s%n", parameters, trainSeconds, 100 * accuracy, test.size(), output.toAbsolutePath());
        out.flush();
        return 0;
    }

    /** Top-1 accuracy over a whole dataset, inference mode, in batches of 500. */
    static double accuracy(Trainer trainer, NDManager root, ImageDataset data) {
        int[] labels = data.labels();
        int correct = 0;
        for (int start = 0; start < data.size(); start += 500) {
            int[] idx = new int[Math.min(500, data.size() - start)];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = start + i;
            }
            try (NDManager step = root.newSubManager()) {
                NDArray logits = trainer.evaluate(new NDList(PixelBatches.pixels(data, idx, step))).singletonOrThrow();
                long[] pred = logits.argMax(1).toLongArray();
                for (int i = 0; i < idx.length; i++) {
                    if (pred[i] == labels[idx[i]]) {
                        correct++;
                    }
                }
            }
        }
        return (double) correct / data.size();
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
