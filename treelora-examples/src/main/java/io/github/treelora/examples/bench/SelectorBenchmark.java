package io.github.treelora.examples.bench;

import io.github.treelora.bandit.SelectorPolicy;
import io.github.treelora.bandit.TaskSelector;
import io.github.treelora.memory.MemorySlot;
import io.github.treelora.tree.SplitRule;
import io.github.treelora.tree.TaskTree;
import io.github.treelora.vector.FloatVectorOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Time of one selection step (choose a task for every layer, then record the observations) for N previous
 * tasks and L layers, excluding the distance computation: distances come from a precomputed table.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class SelectorBenchmark {

    @Param({"10", "100", "1000"})
    int tasks;

    @Param({"12", "64"})
    int layers;

    @Param({"PAPER"})
    SelectorPolicy policy;

    private TaskSelector selector;
    private double[][] distance;
    private double[] observed;

    /** Builds a PAPER tree over random vectors and a fresh selector for every trial. */
    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(1);
        List<MemorySlot<float[]>> slots = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            List<float[]> v = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                float[] x = new float[4];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                v.add(x);
            }
            slots.add(new MemorySlot<>(List.of(t), v, 1));
        }
        TaskTree tree = TaskTree.build(FloatVectorOps.INSTANCE, slots, SplitRule.PAPER, layers);
        selector = TaskSelector.create(policy, 2.0, 1L);
        selector.startTask(tree, layers);
        selector.startEpoch(1_000_000);
        distance = new double[tasks][layers];
        for (double[] row : distance) {
            for (int l = 0; l < layers; l++) {
                row[l] = 1.0 + r.nextDouble();
            }
        }
        observed = new double[layers];
    }

    /**
     * One step: select per layer, then observe.
     *
     * @return the arms (consumed by JMH)
     */
    @Benchmark
    public int[] selectAndObserve() {
        int[] arms = selector.select();
        for (int l = 0; l < arms.length; l++) {
            observed[l] = distance[arms[l]][l];
        }
        selector.observe(arms, observed);
        return arms;
    }
}
