package io.github.treelora;

import io.github.treelora.memory.MemorySlot;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: memory slots from literal per-layer vectors. */
public final class Vectors {

    private Vectors() {}

    /**
     * One slot per task, task ids 0..n-1, sample count 1.
     *
     * @param tasks tasks[task][layer] = vector
     * @return slots in task order
     */
    public static List<MemorySlot<float[]>> slots(float[][][] tasks) {
        List<MemorySlot<float[]>> out = new ArrayList<>();
        for (int t = 0; t < tasks.length; t++) {
            out.add(new MemorySlot<>(List.of(t), List.of(tasks[t]), 1));
        }
        return out;
    }

    /**
     * Scalar vectors, one layer per column: {@code values[task][layer]} becomes a length-1 vector.
     *
     * @param values per task, per layer
     * @return slots
     */
    public static List<MemorySlot<float[]>> scalarSlots(double[][] values) {
        float[][][] tasks = new float[values.length][][];
        for (int t = 0; t < values.length; t++) {
            tasks[t] = new float[values[t].length][];
            for (int l = 0; l < values[t].length; l++) {
                tasks[t][l] = new float[] {(float) values[t][l]};
            }
        }
        return slots(tasks);
    }
}
