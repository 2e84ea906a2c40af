package io.github.treelora.examples.bench;

import io.github.treelora.Preset;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.train.TreeLoraHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Median training-step time of a small LoRA ViT with and without the TreeLoRA hook, measured in one run with
 * interleaved blocks of steps (so machine noise hits both arms alike). A step is forward, backward, the hook
 * (when on) and an Adam update. The hook runs in its costliest state: one task already stored, so every step
 * accumulates, selects a task per layer, computes distances and adds the rule's term.
 */
@Command(name = "bench-hook", mixinStandardHelpOptions = true,
        description = "Per-step overhead of the TreeLoRA hook on a small LoRA ViT (forward+backward+Adam).")
public final class HookOverheadCommand implements Callable<Integer> {

    @Option(names = "--image", defaultValue = "32", description = "Image side (default ${DEFAULT-VALUE}).")
    int image;

    @Option(names = "--patch", defaultValue = "4", description = "Patch side (default ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--hidden", defaultValue = "192", description = "Width (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "6", description = "Encoder layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank on query and value (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--preset", defaultValue = "PAPER", description = "PAPER or REFERENCE (default ${DEFAULT-VALUE}).")
    Preset preset;

    @Option(names = "--warmup", defaultValue = "30", description = "Warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--blocks", defaultValue = "10", description = "Interleaved blocks per arm (default ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--block-steps", defaultValue = "10", description = "Steps per block (default ${DEFAULT-VALUE}).")
    int blockSteps;

    @Override
    public Integer call() {
        LoraVitStepRig.Spec spec = new LoraVitStepRig.Spec(image, patch, 1, hidden, layers, Math.max(1, hidden / 64),
                4 * hidden, batch, rank);
        try (LoraVitStepRig rig = LoraVitStepRig.create(spec, 1);
                TreeLoraHook hook = new TreeLoraHook(rig.lora(), "cl", TreeLoraConfig.of(preset), rig.manager())) {
            LoraVitStepRig.AfterBackward callHook = loss -> hook.afterBackward(loss.getFloat());
            // Store one task so that every measured step selects and applies the rule.
            hook.startTask(0);
            hook.startEpoch(5);
            for (int s = 0; s < 5; s++) {
                rig.step(callHook);
            }
            hook.finishTask();
            hook.startTask(1);
            hook.startEpoch(1_000_000);
            for (int s = 0; s < warmup; s++) {
                rig.step(s % 2 == 0 ? callHook : null);
            }
            List<Double> without = new ArrayList<>();
            List<Double> with = new ArrayList<>();
            List<Double> hookOnly = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                for (int s = 0; s < blockSteps; s++) {
                    without.add(rig.step(null)[0]);
                }
                for (int s = 0; s < blockSteps; s++) {
                    double[] t = rig.step(callHook);
                    with.add(t[0]);
                    hookOnly.add(t[1]);
                }
            }
            double m0 = LoraVitStepRig.median(without);
            double m1 = LoraVitStepRig.median(with);
            System.out.printf(Locale.ROOT,
                    "ViT image %d patch %d hidden %d layers %d batch %d, LoRA r=%d on %d modules, preset %s,"
                            + " threads %s%n",
                    image, patch, hidden, layers, batch, rank, rig.adapterPaths().size(), preset,
                    System.getProperty("ai.djl.pytorch.num_threads", "default"));
            System.out.printf(Locale.ROOT, "median step without hook: %.2f ms (n=%d)%n", m0, without.size());
            System.out.printf(Locale.ROOT, "median step with hook:    %.2f ms (n=%d)%n", m1, with.size());
            System.out.printf(Locale.ROOT, "median hook call alone:   %.3f ms%n", LoraVitStepRig.median(hookOnly));
            System.out.printf(Locale.ROOT, "overhead ratio: %.4f%n", m1 / m0);
        }
        return 0;
    }
}
