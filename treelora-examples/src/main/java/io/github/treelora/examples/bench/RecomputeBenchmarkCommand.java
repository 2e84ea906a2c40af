package io.github.treelora.examples.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraInjector;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-recompute}: peak resident memory and time of one LoRA training step of a random-weight LLM (forward,
 * backward, Adam on LoRA r 8 on q_proj/v_proj) with and without per-layer recomputation
 * ({@code LlamaForCausalLM.causalLmBackward(..., recomputeLayers)}). Run one JVM per configuration: the peak
 * (Linux {@code VmHWM}) is reset after the model is built, so it is the peak of the steps, model included.
 */
@Command(name = "bench-recompute", mixinStandardHelpOptions = true,
        description = "Peak RSS and median time of a LoRA LLM training step with or without layer recomputation.")
public final class RecomputeBenchmarkCommand implements Callable<Integer> {

    /** Model shapes (random weights), named after the checkpoints they copy. */
    enum ModelShape {
        /** Qwen2.5-0.5B: 24 layers, hidden 896, MLP 4864, 14 heads, 2 KV heads, vocabulary 151936, tied. */
        QWEN2_5_0_5B(new LlamaConfig("qwen2", 151936, 896, 4864, 24, 14, 2, 64, 1e-6, 1e6, null, 32768, true,
                true, false, false, null)),
        /** LLaMA-3.2-1B without rope scaling: 16 layers, hidden 2048, MLP 8192, 32/8 heads, vocabulary 128256. */
        LLAMA_3_2_1B(new LlamaConfig("llama", 128256, 2048, 8192, 16, 32, 8, 64, 1e-5, 5e5, null, 131072, true,
                false, false, false, null));

        final LlamaConfig config;

        ModelShape(LlamaConfig config) {
            this.config = config;
        }
    }

    @Option(names = "--shape", defaultValue = "QWEN2_5_0_5B",
            description = "QWEN2_5_0_5B or LLAMA_3_2_1B (default ${DEFAULT-VALUE}).")
    ModelShape shape;

    @Option(names = "--storage", defaultValue = "FLOAT16",
            description = "Weight storage, FLOAT16 or FLOAT32 (default ${DEFAULT-VALUE}).")
    WeightStorage storage;

    @Option(names = "--recompute", defaultValue = "false",
            description = "Recompute the decoder layers during backward (default ${DEFAULT-VALUE}).")
    boolean recompute;

    @Option(names = "--batch", defaultValue = "1", description = "Sequences per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--tokens", defaultValue = "256", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "3", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--threads", defaultValue = "2",
            description = "PyTorch intra-op and inter-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() {
        if (batch <= 0 || tokens < 2 || warmup < 0 || steps <= 0 || threads <= 0) {
            throw new IllegalArgumentException("need --batch > 0, --tokens >= 2, --warmup >= 0, --steps > 0 and "
                    + "--threads > 0");
        }
        int threadsInUse = Integer.parseInt(EngineThreads.apply(threads));
        LlamaConfig config = shape.config;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            LlamaForCausalLM lm = new LlamaForCausalLM(config);
            // Random values drawn in native memory straight in the storage type (no checkpoint, no Java heap).
            Initializer random = (m, s, t) -> s.dimension() >= 2
                    ? m.randomUniform(-0.03f, 0.03f, s, storage.dataTypeFor(s))
                    : m.ones(s, DataType.FLOAT32);
            for (Parameter.Type type : Parameter.Type.values()) {
                lm.setInitializer(random, type);
            }
            lm.initializeParameters(manager);
            LoraInjector.inject(lm, "task", LoraConfig.builder().rank(8).alpha(16)
                    .targetModules("q_proj", "v_proj").build());
            ParameterStore ps = new ParameterStore(manager, false);
            ps.setParameterServer(new LocalParameterServer(Optimizer.adam()
                    .optLearningRateTracker(Tracker.fixed(1e-4f)).build()), new Device[] {Device.cpu()});
            long rssBefore = ProcessMemory.residentBytes();
            if (!ProcessMemory.resetPeak()) {
                throw new IllegalStateException("cannot reset VmHWM (/proc/self/clear_refs)");
            }
            SplittableRandom rnd = new SplittableRandom(1);
            List<Double> seconds = new ArrayList<>();
            List<Double> cpuSeconds = new ArrayList<>();
            float loss = Float.NaN;
            for (int s = 0; s < warmup + steps; s++) {
                long[] ids = new long[batch * tokens];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = rnd.nextInt(config.vocabSize());
                }
                long t0 = System.nanoTime();
                long cpu0 = LoadBenchmarkCommand.OS.getProcessCpuTime();
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = step.create(ids, new Shape(batch, tokens));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        loss = lm.causalLmBackward(ps, gc, x, null, x, recompute);
                    }
                    ps.updateAllParameters();
                }
                if (s >= warmup) {
                    seconds.add((System.nanoTime() - t0) / 1e9);
                    cpuSeconds.add((LoadBenchmarkCommand.OS.getProcessCpuTime() - cpu0) / 1e9);
                }
            }
            double median = LoadBenchmarkCommand.median(seconds);
            double cpuMedian = LoadBenchmarkCommand.median(cpuSeconds);
            System.out.printf(Locale.ROOT, "{\"shape\":\"%s\",\"storage\":\"%s\",\"recompute\":%s,\"batch\":%d,"
                            + "\"tokens\":%d,\"threads\":%d,\"rss_before_steps_mb\":%d,\"peak_rss_steps_mb\":%d,"
                            + "\"median_step_s\":%.3f,\"median_step_cpu_s\":%.3f,\"step_s\":%s,\"loss\":%.4f}%n",
                    shape, storage, recompute, batch, tokens, threadsInUse, rssBefore >> 20,
                    ProcessMemory.peakBytes() >> 20,
                    median, cpuMedian, seconds, loss);
        }
        return 0;
    }
}
