package io.github.treelora.examples.splitmnist;

import io.github.treelora.examples.backbone.Backbones;
import io.github.treelora.examples.runtime.OptionCheck;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of the commands that learn Split-MNIST-style image tasks on the self-pretrained ViT backbone
 * ({@code split-mnist}, {@code split-fashion-mnist}, {@code train-adapter}), a picocli mixin: images per task and the
 * backbone directory. Each command creates it with its own numbers of images.
 */
public final class ImageTaskOptions {

    /** Training images per task. */
    @Option(names = "--train-per-task", paramLabel = "N",
            description = "Training images per task (class-balanced subset; default: ${DEFAULT-VALUE}).")
    public int trainPerTask;

    /** Evaluation images per task. */
    @Option(names = "--test-per-task", paramLabel = "N",
            description = "Evaluation images per task (default: ${DEFAULT-VALUE}).")
    public int testPerTask;

    /** Backbone directory; null for the shipped backbone. */
    @Option(names = "--backbone", paramLabel = "DIR", description = "Backbone directory (default: the shipped "
            + Backbones.SHIPPED_RESOURCE + ").")
    public Path backboneDir;

    /** For picocli; the commands pass their own numbers. */
    public ImageTaskOptions() {
        this(2000, 1000);
    }

    /**
     * Options with a command's defaults.
     *
     * @param trainPerTask default training images per task
     * @param testPerTask default evaluation images per task
     */
    public ImageTaskOptions(int trainPerTask, int testPerTask) {
        this.trainPerTask = trainPerTask;
        this.testPerTask = testPerTask;
    }

    /**
     * The backbone to load: {@code --backbone}, else the shipped one.
     *
     * @return its directory
     * @throws IOException if the shipped backbone cannot be unpacked
     */
    public Path backbone() throws IOException {
        return backboneDir != null ? backboneDir : Backbones.shipped();
    }

    /**
     * Adds the checks of these options: at least one image per task, for training and for evaluation.
     *
     * @param check the command's checks
     * @return {@code check}
     */
    public OptionCheck check(OptionCheck check) {
        return check.atLeast("--train-per-task", trainPerTask, 1).atLeast("--test-per-task", testPerTask, 1);
    }
}
