package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.engine.Engine;
import io.github.treelora.djl.lora.LoraConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny backbones and Gaussian-cluster tasks for trainer tests. */
final class Synthetic {

    static final int IN = 16;
    static final int HIDDEN = 24;

    private Synthetic() {
    }

    /** An MLP backbone 16 -> 24 -> 24 (tanh), weights from a fixed seed; adapted modules "0" and "2". */
    static Backbone backbone(NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        SequentialBlock mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation::tanh);
        mlp.initialize(manager, DataType.FLOAT32, new Shape(1, IN));
        return new Backbone("mlp-" + seed, mlp, HIDDEN);
    }

    static LoraConfig lora(int rank) {
        return LoraConfig.builder().rank(rank).alpha(2 * rank).targetModules("0", "2").build();
    }

    /**
     * Tasks of {@code classesPerTask} classes each; class c is a Gaussian cluster around a random centre
     * (radius {@code spread} noise).
     */
    static List<ContinualTask> tasks(int numTasks, int classesPerTask, int trainPerClass, int testPerClass,
            long seed, double spread) {
        Random r = new Random(seed);
        int numClasses = numTasks * classesPerTask;
        float[][] centres = new float[numClasses][IN];
        for (float[] c : centres) {
            for (int i = 0; i < IN; i++) {
                c[i] = (float) r.nextGaussian();
            }
        }
        List<ContinualTask> tasks = new ArrayList<>();
        for (int t = 0; t < numTasks; t++) {
            int[] classes = new int[classesPerTask];
            for (int j = 0; j < classesPerTask; j++) {
                classes[j] = t * classesPerTask + j;
            }
            tasks.add(new ContinualTask(10 + t, "task" + t, classes, split(classes, centres, trainPerClass, r, spread),
                    split(classes, centres, testPerClass, r, spread)));
        }
        return tasks;
    }

    private static ArrayTaskData split(int[] classes, float[][] centres, int perClass, Random r, double spread) {
        float[][] rows = new float[classes.length * perClass][];
        int[] labels = new int[rows.length];
        int k = 0;
        for (int n = 0; n < perClass; n++) {
            for (int c : classes) {
                float[] x = new float[IN];
                for (int i = 0; i < IN; i++) {
                    x[i] = centres[c][i] + (float) (spread * r.nextGaussian());
                }
                rows[k] = x;
                labels[k++] = c;
            }
        }
        return ArrayTaskData.of(rows, labels);
    }
}
