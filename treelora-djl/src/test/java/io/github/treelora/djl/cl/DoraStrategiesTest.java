package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraTensorNames;
import io.github.treelora.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DoRA adapters in the strategies that take them (SeqLoRA, TreeLoRA): they train, their magnitudes go into the
 * checkpoint under {@code <path>.lora_magnitude_vector.<adapter>} with {@code "variant": "dora"}, and a run
 * interrupted after the first task and resumed gives the accuracies of an uninterrupted one.
 */
class DoraStrategiesTest {

    @TempDir
    Path tmp;

    private static ContinualTrainerConfig.Builder config() {
        return ContinualTrainerConfig.builder().epochs(2).batchSize(16).learningRate(1e-2).seed(4).progress(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"seqlora", "treelora"})
    void doraAdaptersTrainCheckpointAndResumeExactly(String strategy) throws Exception {
        LoraConfig dora = Synthetic.lora(4).toBuilder().useDora(true).build();
        List<ContinualTask> tasks = Synthetic.tasks(3, 2, 16, 8, 2, 0.5);
        ContinualResult full;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            full = new ContinualTrainer(config().build()).run(Synthetic.backbone(m, 1), tasks,
                    Strategies.create(strategy, dora));
        }
        assertTrue(full.accuracy()[0][0] > 0.5, strategy + " with DoRA learns task 0: " + full.accuracy()[0][0]);

        Path ckpt = tmp.resolve(strategy);
        ContinualTrainer trainer = new ContinualTrainer(config().checkpointDir(ckpt).build());
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            assertThrows(Strategies.Killed.class, () -> trainer.run(Synthetic.backbone(m, 1), tasks,
                    new Strategies.Failing(Strategies.create(strategy, dora), 1, -1)));
        }
        JsonNode json = new ObjectMapper().readTree(ckpt.resolve(Checkpoint.JSON).toFile());
        JsonNode layer = json.path("adapters").get(0).path("layers").get(0);
        assertEquals("dora", layer.path("variant").asText());
        JsonNode trainable = layer.path("trainableExtra").path(LoraTensorNames.MAGNITUDE);
        assertTrue(trainable.isBoolean(), "the magnitude's trainable flag is saved");
        assertEquals(layer.path("trainableB").asBoolean(), trainable.asBoolean(), "frozen with the adapter");
        try (SafetensorsFile f = SafetensorsFile.open(ckpt.resolve(Checkpoint.ADAPTERS))) {
            String adapter = json.path("adapters").get(0).path("name").asText();
            String key = LoraTensorNames.checkpointKey(layer.path("path").asText(), LoraTensorNames.MAGNITUDE,
                    adapter);
            assertTrue(f.names().contains(key), key + " in " + f.names());
        }

        ContinualResult resumed;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            resumed = trainer.resume(Synthetic.backbone(m, 1), tasks, Strategies.create(strategy, dora));
        }
        assertEquals(1, resumed.resumedAfterTask());
        for (int i = 0; i < tasks.size(); i++) {
            assertArrayEquals(full.accuracy()[i], resumed.accuracy()[i], 0.0, "row " + i);
        }
    }
}
