package io.github.treelora.djl.lora;

import static io.github.treelora.djl.lora.LoraTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.Trainer;
import java.io.IOException;
import java.util.Collection;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A 1,000-step LoRA training loop with per-step managers does not leak: resident memory after warm-up
 * (step 200) grows by at most 10% by step 1,000.
 *
 * <p>How RSS is measured, and why:
 * <ul>
 *   <li>read after {@code System.gc()}: otherwise RSS also counts Java heap pages filling with ordinary
 *       per-step garbage (measured: about 20 kB per step, all reclaimed by a full collection);</li>
 *   <li>sampled every 50 steps, comparing the medians of steps 200-400 and 900-1000, since single readings
 *       jump by a few percent;</li>
 *   <li>after an identical, unmeasured 1,000-step loop: in a fresh JVM, RSS rises by 20-25% over the first
 *       ~1,000 steps while the JIT compiler and malloc arenas settle, with or without LoRA, then stays flat
 *       (measured flat from step 500 to 4,000 of a second loop). A native leak (unclosed NDArrays) shows in
 *       the measured loop regardless.</li>
 * </ul>
 */
class LoraMemoryTest {

    private static final Shape X_SHAPE = new Shape(16, 32);
    private static final Shape Y_SHAPE = new Shape(16, 4);

    @Test
    void residentMemoryStaysFlatOverThousandSteps() throws IOException {
        runLoop(41, null);
        TreeMap<Integer, Long> samples = new TreeMap<>();
        long start = System.nanoTime();
        float[] losses = runLoop(42, samples);
        double seconds = (System.nanoTime() - start) / 1e9;
        long rssWarm = median(samples.subMap(200, true, 400, true).values());
        long rssEnd = median(samples.subMap(900, true, 1000, true).values());
        System.out.printf("LoraMemoryTest: VmRSS samples %s; median steps 200-400 %d kB, steps 900-1000 %d kB"
                + " (%+.1f%%), loss %.4f -> %.4f, %.1f s%n", samples, rssWarm, rssEnd,
                100.0 * (rssEnd - rssWarm) / rssWarm, losses[0], losses[1], seconds);
        assertTrue(rssEnd <= rssWarm * 1.10, "RSS grew from " + rssWarm + " kB to " + rssEnd + " kB");
        assertTrue(losses[1] < losses[0], "loss did not fall: " + losses[0] + " -> " + losses[1]);
    }

    /** 1,000 LoRA steps on a fresh MLP; returns {first loss, last loss}; samples RSS when asked. */
    private static float[] runLoop(int seed, TreeMap<Integer, Long> samples) throws IOException {
        Engine.getInstance().setRandomSeed(seed);
        Random rnd = new Random(seed);
        try (Model model = Model.newInstance("mem", "PyTorch")) {
            SequentialBlock net = new SequentialBlock()
                    .add(Linear.builder().setUnits(64).build()).add(Activation::relu)
                    .add(Linear.builder().setUnits(64).build()).add(Activation::relu)
                    .add(Linear.builder().setUnits(4).build());
            model.setBlock(net);
            net.initialize(model.getNDManager(), DataType.FLOAT32, X_SHAPE);
            new LoraModel(net).addAdapter("a", LoraConfig.builder().rank(4).alpha(8).dropout(0.1)
                    .targetModules("0", "2", "4").build());
            float[][] xs = new float[8][];
            float[][] ys = new float[8][];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = randomFloats(rnd, (int) X_SHAPE.size());
                ys[i] = randomFloats(rnd, (int) Y_SHAPE.size());
            }
            float first = Float.NaN;
            float last = Float.NaN;
            try (Trainer trainer = LoraTestSupport.adamTrainer(model, 1e-3f, X_SHAPE)) {
                for (int step = 1; step <= 1000; step++) {
                    float loss = LoraTestSupport.trainStep(trainer, xs[step % 8], X_SHAPE, ys[step % 8], Y_SHAPE);
                    if (step == 1) {
                        first = loss;
                    }
                    last = loss;
                    if (samples != null && step >= 200 && step % 50 == 0) {
                        System.gc();
                        samples.put(step, LoraTestSupport.rssKb());
                    }
                }
            }
            return new float[] {first, last};
        }
    }

    private static long median(Collection<Long> values) {
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return v[v.length / 2];
    }
}
