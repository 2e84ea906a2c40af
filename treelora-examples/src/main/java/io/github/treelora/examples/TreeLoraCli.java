package io.github.treelora.examples;

import io.github.treelora.examples.adapter.TrainAdapterCommand;
import io.github.treelora.examples.backbone.PretrainBackboneCommand;
import io.github.treelora.examples.pretrain.PretrainDecoderCommand;
import io.github.treelora.examples.bench.HookOverheadCommand;
import io.github.treelora.examples.bench.LlmBenchmarkCommand;
import io.github.treelora.examples.bench.LoadBenchmarkCommand;
import io.github.treelora.examples.bench.StepBenchmarkCommand;
import io.github.treelora.examples.notebook.NotebookKernel;
import io.github.treelora.examples.splitmnist.SplitFashionMnistCommand;
import io.github.treelora.examples.splitmnist.SplitMnistCommand;
import io.github.treelora.examples.splitwordnet.SplitDecoderCommand;
import io.github.treelora.examples.splitwordnet.SplitWordNetCommand;
import io.github.treelora.examples.trace.TraceOfflineCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the command-line tools; each tool is a picocli subcommand. */
@Command(
        name = "treelora",
        mixinStandardHelpOptions = true,
        version = "treelora 0.1.0-SNAPSHOT",
        description = "TreeLoRA for the JVM: command-line tools.",
        subcommands = {SplitMnistCommand.class, SplitFashionMnistCommand.class, SplitWordNetCommand.class,
                SplitDecoderCommand.class, TraceOfflineCommand.class, TrainAdapterCommand.class,
                PretrainBackboneCommand.class, PretrainDecoderCommand.class, InspectCommand.class,
                NotebookKernel.Run.class,
                HookOverheadCommand.class, StepBenchmarkCommand.class, LoadBenchmarkCommand.class,
                LlmBenchmarkCommand.class,
                CommandLine.HelpCommand.class})
public final class TreeLoraCli implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * Runs a tool and exits with its status.
     *
     * @param args the tool name followed by its options
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TreeLoraCli()).execute(args));
    }
}
