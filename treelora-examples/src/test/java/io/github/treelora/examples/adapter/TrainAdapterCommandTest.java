package io.github.treelora.examples.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.LabeledBatch;
import io.github.treelora.djl.cl.PooledBackbone;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.lora.PeftAdapterIO;
import io.github.treelora.djl.models.vit.ViTModel;
import io.github.treelora.examples.TreeLoraCli;
import io.github.treelora.examples.backbone.Backbones;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.RequiredData;
import io.github.treelora.examples.data.SplitOptions;
import io.github.treelora.examples.data.TrainTest;
import io.github.treelora.examples.splitmnist.SplitMnistData;
import io.github.treelora.io.SafetensorsFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train-adapter} end to end on the real MNIST and the shipped backbone: the PEFT directories it writes are
 * loaded back into a fresh backbone with the library's PEFT loader, and that model, with the head from the
 * trainer's checkpoint, reproduces the accuracies the trainer measured after the last task. The loaded A and B
 * also equal the checkpoint's (written by another code path), and they change the features (the adapters are
 * trained, not zero). Skipped without MNIST unless {@code TREELORA_REQUIRE_DATA=true}.
 */
class TrainAdapterCommandTest {
    @TempDir
    Path dir;

    @Test
    void writtenAdaptersLoadBackAndReproduceTheTrainedModel() throws Exception {
        Path cache = Datasets.defaultCache();
        TrainTest<ImageDataset> mnist = RequiredData.require(() -> Datasets.mnist(cache));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TreeLoraCli());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("train-adapter", "--output", dir.toString(), "--train-per-task", "32",
                "--test-per-task", "20", "--epochs", "1", "--seed", "3", "--data", cache.toString());
        assertEquals(0, code, err + "\n" + out);

        // PAPER preset: one adapter per task, each in PEFT's layout.
        List<String> names = List.of("task0", "task1", "task2", "task3", "task4");
        for (String a : names) {
            assertTrue(Files.isRegularFile(dir.resolve(a).resolve(PeftAdapterIO.CONFIG_FILE)), a);
            assertTrue(Files.isRegularFile(dir.resolve(a).resolve(PeftAdapterIO.WEIGHTS_FILE)), a);
            assertTrue(out.toString().contains(dir.resolve(a).resolve(PeftAdapterIO.CONFIG_FILE).toString()), out.toString());
        }
        JsonNode result = new ObjectMapper().readTree(dir.resolve(TrainAdapterCommand.RESULT_FILE).toFile());
        // R[i][j]: task i after training task j; column 4 is the final model.
        JsonNode accuracy = result.get("accuracy");

        List<ContinualTask> tasks = SplitMnistData.tasks(mnist,
                SplitOptions.full().withPerTaskCaps(32, 20).withSeed(3));
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile head = SafetensorsFile.open(dir.resolve("checkpoint/head.safetensors"));
                SafetensorsFile saved = SafetensorsFile.open(dir.resolve("checkpoint/adapters.safetensors"))) {
            Path adapters = dir;
            // As docs/getting-started.md shows it:
            ViTModel vit = Backbones.loadBackbone(Backbones.shipped(), manager);   // treelora-examples
            PooledBackbone block = new PooledBackbone("vit", vit, PooledBackbone.Pooling.CLS_TOKEN);
            LoraModel model = new LoraModel(block);
            for (String a : List.of("task0", "task1", "task2", "task3", "task4")) {
                model.loadAdapter(adapters.resolve(a), a);
            }
            for (String a : names) {
                List<String> paths = model.modulePaths(a);
                // q and v of the 4 layers, named as in Hugging Face's ViTForImageClassification.
                assertEquals(8, paths.size(), paths.toString());
                assertTrue(paths.contains("vit.encoder.layer.0.attention.attention.query"), paths.toString());
                for (String p : paths) {
                    assertArrayEquals(saved.readFloats(p + ".lora_A." + a),
                            model.loraA(a).get(p).getArray().toFloatArray(), p);
                    assertArrayEquals(saved.readFloats(p + ".lora_B." + a),
                            model.loraB(a).get(p).getArray().toFloatArray(), p);
                }
            }
            assertEquals(names, model.activeAdapters());
            NDArray w = manager.create(head.readFloats("head.weight"), new Shape(head.info("head.weight").shape()));
            NDArray b = manager.create(head.readFloats("head.bias"));
            ParameterStore ps = new ParameterStore(manager, false);
            for (int t = 0; t < tasks.size(); t++) {
                ContinualTask task = tasks.get(t);
                int[] idx = IntStream.range(0, task.test().size()).toArray();
                try (NDManager step = manager.newSubManager()) {
                    LabeledBatch batch = task.test().batch(idx, step);
                    NDArray adapted = block.forward(ps, batch.inputs(), false).get(0);
                    long correct = adapted.matMul(w.transpose()).add(b).argMax(1)
                            .eq(batch.labels().toType(DataType.INT64, false)).sum().getLong();
                    double measured = (double) correct / idx.length;
                    // The trainer evaluated in other batch sizes: allow one near-tie sample to flip.
                    assertEquals(accuracy.get(t).get(4).asDouble(), measured, 1.0 / idx.length + 1e-9, "task " + t);
                    model.setAdaptersEnabled(false);
                    NDArray plain = block.forward(ps, batch.inputs(), false).get(0);
                    model.setAdaptersEnabled(true);
                    float diff = adapted.sub(plain).abs().max().getFloat();
                    assertTrue(diff > 1e-3, "the adapters change the features, max diff " + diff);
                }
            }
        }
    }
}
