package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.TestArrays;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The DJL ViT, loaded with a randomly initialised torchvision ViT's weights renamed to Hugging Face names,
 * reproduces torchvision's logits (fixture from src/test/python/make_vit_fixture.py).
 */
class ViTGoldenTest {

    @Test
    void logitsMatchTorchvisionAtTrainingSizeAndWithInterpolatedPositions() throws Exception {
        ViTConfig config = ViTConfig.fromJson(FixtureTensors.VIT_TINY.resolve("config.json"));
        assertEquals(new ViTConfig(32, 8, 3, 48, 2, 4, 96, 1e-6f, 5, true, 0f, 0f), config);
        Map<String, HostTensor> io = FixtureTensors.read(FixtureTensors.VIT_TINY, "io");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification model = new ViTForImageClassification(config);
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            StateDict.load(model, TensorSource.of(FixtureTensors.read(FixtureTensors.VIT_TINY, "model")));
            for (String[] pair : new String[][] {{"images", "logits"}, {"big_images", "big_logits"}}) {
                HostTensor images = io.get(pair[0]);
                HostTensor expected = io.get(pair[1]);
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = step.create(images.data(), new Shape(images.shape()));
                    NDArray logits = model.forward(new ParameterStore(step, false), new NDList(x), false)
                            .singletonOrThrow();
                    assertEquals(new Shape(expected.shape()), logits.getShape());
                    double diff = TestArrays.maxAbsDiff(expected.data(), logits.toFloatArray());
                    assertTrue(diff < 1e-4f, pair[1] + ": max abs diff " + diff);
                    assertTrue(logits.getManager() == step, "output must belong to the step's manager");
                }
            }
        }
    }
}
