package io.github.treelora.examples.splitmnist;

import io.github.treelora.examples.data.Datasets;
import picocli.CommandLine.Command;

/**
 * {@code split-fashion-mnist}: the same job as {@code split-mnist} on Fashion-MNIST (5 tasks of 2 clothing
 * classes: {T-shirt/top, Trouser}, {Pullover, Dress}, ...). The shipped backbone was pretrained on the whole
 * Fashion-MNIST training set with all 10 labels, so this benchmark is in-domain and its features already separate
 * the classes; the report says so.
 */
@Command(name = "split-fashion-mnist", mixinStandardHelpOptions = true,
        description = "Continual learning on Split-FashionMNIST with SeqLoRA, O-LoRA, InfLoRA and TreeLoRA (in-domain: "
                + "the shipped backbone was pretrained on Fashion-MNIST); prints a table and writes results.json and "
                + "report.md.")
public final class SplitFashionMnistCommand extends SplitImageCommand {

    /** Creates the command (picocli fills the options). */
    public SplitFashionMnistCommand() {
        super(new ImageSplit("FashionMNIST", Datasets::fashionMnist, "Fashion-MNIST (Debian dataset-fashion-mnist)",
                "2 clothing classes", "classes", "Caveat, in-domain: the frozen backbone was pretrained on the same "
                + "Fashion-MNIST training images with all 10 labels, so its features already separate the classes; "
                + "this measures continual learning on top of an in-domain encoder, not transfer."));
    }
}
