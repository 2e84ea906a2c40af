package io.github.treelora.examples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Median time of one LoRA ViT training step (forward, backward, Adam on the LoRA matrices) in DJL, for a
 * comparison with the same step in Python PyTorch ({@code treelora-examples/scripts/bench_lora_vit_step.py},
 * which prints the same JSON line). The model and step are {@link LoraVitStepRig}'s.
 */
@Command(name = "bench-step", mixinStandardHelpOptions = true,
        description = "Median LoRA ViT training-step time in DJL (forward+backward+Adam); prints a JSON line.")
public final class StepBenchmarkCommand implements Callable<Integer> {

    @Option(names = "--image", defaultValue = "32", description = "Image side (default ${DEFAULT-VALUE}).")
    int image;

    @Option(names = "--patch", defaultValue = "4", description = "Patch side (default ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--channels", defaultValue = "3", description = "Input channels (default ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--hidden", defaultValue = "384", description = "Width (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "6", description = "Encoder layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "6", description = "Attention heads (default ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--mlp", defaultValue = "1536", description = "Feed-forward width (default ${DEFAULT-VALUE}).")
    int mlp;

    @Option(names = "--batch", defaultValue = "16", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank on query and value (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--warmup", defaultValue = "30", description = "Untimed warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "30", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--threads", defaultValue = "2",
            description = "PyTorch intra-op and inter-op threads (default ${DEFAULT-VALUE}); "
                    + "a -Dai.djl.pytorch.num_threads given to the JVM wins.")
    int threads;

    @Override
    public Integer call() {
        if (warmup < 0 || steps <= 0 || threads <= 0) {
            throw new IllegalArgumentException("need --warmup >= 0, --steps > 0 and --threads > 0, got warmup "
                    + warmup + ", steps " + steps + ", threads " + threads);
        }
        EngineThreads.apply(threads);
        LoraVitStepRig.Spec spec = new LoraVitStepRig.Spec(image, patch, channels, hidden, layers, heads, mlp, batch,
                rank);
        try (LoraVitStepRig rig = LoraVitStepRig.create(spec, 1)) {
            for (int s = 0; s < warmup; s++) {
                rig.step(null);
            }
            List<Double> times = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                times.add(rig.step(null)[0]);
            }
            double median = LoraVitStepRig.median(times);
            String usedThreads = System.getProperty("ai.djl.pytorch.num_threads");
            System.out.printf(Locale.ROOT,
                    "DJL: ViT image %d patch %d channels %d hidden %d layers %d heads %d mlp %d batch %d,"
                            + " LoRA r=%d on %d modules, %d trainable scalars, threads %s%n",
                    image, patch, channels, hidden, layers, heads, mlp, batch, rank, rig.adapterPaths().size(),
                    rig.trainableParameters(), usedThreads);
            System.out.printf(Locale.ROOT, "median step: %.2f ms (n=%d, min %.2f, max %.2f)%n", median,
                    times.size(), times.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                    times.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            System.out.printf(Locale.ROOT,
                    "{\"impl\":\"djl\",\"image\":%d,\"patch\":%d,\"channels\":%d,\"hidden\":%d,\"layers\":%d,"
                            + "\"heads\":%d,\"mlp\":%d,\"batch\":%d,\"rank\":%d,\"threads\":%s,"
                            + "\"trainable\":%d,\"warmup\":%d,\"steps\":%d,\"median_ms\":%.3f}%n",
                    image, patch, channels, hidden, layers, heads, mlp, batch, rank, usedThreads,
                    rig.trainableParameters(), warmup, steps, median);
        }
        return 0;
    }
}
