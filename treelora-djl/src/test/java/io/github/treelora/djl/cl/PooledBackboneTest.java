package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A tiny ViT plugged in as a backbone: pooling picks the right token, and the trainer adapts query/value. */
class PooledBackboneTest {

    @Test
    void clsAndMeanPoolingOfATinyVitAndATrainingRun() throws Exception {
        ViTConfig config = ViTConfig.of(8, 4, 16, 2, 2, 32, 4);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            ViTModel vit = new ViTModel(config);
            PooledBackbone cls = new PooledBackbone("vit", vit, PooledBackbone.Pooling.CLS_TOKEN);
            cls.initialize(m, DataType.FLOAT32, vit.inputShape());
            Random r = new Random(1);
            float[] x = new float[2 * 3 * 8 * 8];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            try (NDManager step = m.newSubManager()) {
                ParameterStore ps = new ParameterStore(step, false);
                NDList in = new NDList(step.create(x, new Shape(2, 3, 8, 8)));
                NDArray tokens = vit.forward(ps, in, false).get(0);
                float[] t = tokens.toFloatArray();
                long n = tokens.getShape().get(1);
                float[] pooled = cls.forward(ps, in, false).get(0).toFloatArray();
                float[] mean = new PooledBackbone("vit2", vit, PooledBackbone.Pooling.MEAN).forward(ps, in, false)
                        .get(0).toFloatArray();
                assertEquals(2 * 16, pooled.length);
                for (int b = 0; b < 2; b++) {
                    for (int h = 0; h < 16; h++) {
                        assertEquals(t[(int) (b * n * 16 + h)], pooled[b * 16 + h], 0f, "cls token");
                        double s = 0;
                        for (int k = 0; k < n; k++) {
                            s += t[(int) ((b * n + k) * 16 + h)];
                        }
                        assertEquals(s / n, mean[b * 16 + h], 1e-5, "mean over tokens");
                    }
                }
            }
            // Two tasks of random "images" whose class shifts the pixel mean.
            List<ContinualTask> tasks = new ArrayList<>();
            for (int task = 0; task < 2; task++) {
                tasks.add(new ContinualTask(task, "t" + task, new int[] {2 * task, 2 * task + 1},
                        images(task, 24, r), images(task, 8, r)));
            }
            LoraConfig lora = LoraConfig.builder().rank(2).alpha(4).targetModules("query", "value").build();
            ContinualResult res = new ContinualTrainer(ContinualTrainerConfig.builder().epochs(3).batchSize(8)
                    .learningRate(1e-2).progress(false).protocol(EvaluationProtocol.TASK_INCREMENTAL).build())
                    .run(new Backbone("tiny-vit", cls, 16), tasks, new SeqLora(lora));
            assertEquals(List.of("vit.encoder.layer.0.attention.attention.query",
                    "vit.encoder.layer.0.attention.attention.value", "vit.encoder.layer.1.attention.attention.query",
                    "vit.encoder.layer.1.attention.attention.value"),
                    new io.github.treelora.djl.lora.LoraModel(cls).modulePaths(SeqLora.ADAPTER));
            List<Double> losses = res.tasks().get(0).epochLosses();
            assertTrue(losses.get(2) < losses.get(0), "loss decreases: " + losses);
            assertEquals(2, res.tasks().size());
        }
    }

    private static ArrayTaskData images(int task, int perClass, Random r) {
        int size = 3 * 8 * 8;
        float[] x = new float[2 * perClass * size];
        int[] labels = new int[2 * perClass];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = 2 * task + (i % 2);
            float shift = (i % 2 == 0 ? 1f : -1f) * (task + 1);
            for (int j = 0; j < size; j++) {
                x[i * size + j] = shift + (float) r.nextGaussian();
            }
        }
        return new ArrayTaskData(x, new Shape(3, 8, 8), labels);
    }
}
