package io.github.treelora.examples.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.cl.PooledBackbone;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.models.vit.ViTModel;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.RequiredData;
import io.github.treelora.examples.data.TrainTest;
import io.github.treelora.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backbone files: the Hugging Face names and config keys (checked against the names of {@code
 * transformers.ViTForImageClassification}'s state dict, written out by hand below), a save/load round trip
 * that reproduces the features bit for bit, clear errors for missing files, and the shipped backbone's card
 * re-measured on the real Fashion-MNIST test set.
 */
class BackbonesTest {
    @TempDir
    Path dir;

    private static final ViTConfig ONE_LAYER = new ViTConfig(28, 7, 1, 16, 1, 2, 32, 1e-12f, 10, true, 0f, 0f);

    private static BackboneCard card(double accuracy) {
        return new BackboneCard(BackboneCard.SELF_PRETRAINED, "test", 1, 1, 1, 1e-3, 1, accuracy, 1, 0.1, 1,
                "treelora pretrain-backbone --output x", "2026-01-01T00:00:00Z", "test");
    }

    /** Features of a ViT backbone: the cls state after the final layer norm, for a fixed input. */
    private static float[] features(Block backbone, NDManager manager, float[] pixels) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(pixels, new Shape(2, 1, 28, 28));
            return new PooledBackbone("vit", backbone, PooledBackbone.Pooling.CLS_TOKEN).forward(new ParameterStore(scope, false), new NDList(x), false)
                    .singletonOrThrow().toFloatArray();
        }
    }

    @Test
    void savesHuggingFaceNamesAndLoadsTheSameBackbone() throws IOException {
        Engine.getInstance().setRandomSeed(3);
        float[] pixels = new float[2 * 28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i * 0.37);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            ViTForImageClassification model = new ViTForImageClassification(ONE_LAYER);
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            Backbones.save(dir, model, Datasets.FASHION_MNIST_CLASSES, card(0.5));
            Set<String> expected = new TreeSet<>(List.of(
                    "vit.embeddings.cls_token", "vit.embeddings.position_embeddings",
                    "vit.embeddings.patch_embeddings.projection.weight", "vit.embeddings.patch_embeddings.projection.bias",
                    "vit.layernorm.weight", "vit.layernorm.bias", "classifier.weight", "classifier.bias"));
            for (String p : List.of("attention.attention.query", "attention.attention.key", "attention.attention.value",
                    "attention.output.dense", "intermediate.dense", "output.dense", "layernorm_before",
                    "layernorm_after")) {
                expected.add("vit.encoder.layer.0." + p + ".weight");
                expected.add("vit.encoder.layer.0." + p + ".bias");
            }
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                assertEquals(expected, new TreeSet<>(f.names()));
                assertArrayEquals(new long[] {16, 1, 7, 7},
                        f.info("vit.embeddings.patch_embeddings.projection.weight").shape());
                assertArrayEquals(new long[] {1, 17, 16}, f.info("vit.embeddings.position_embeddings").shape());
                assertEquals("pt", f.metadata().get("format"));
            }
            assertEquals(ONE_LAYER, ViTConfig.fromJson(dir.resolve("config.json")));
            String config = Files.readString(dir.resolve("config.json"));
            assertTrue(config.contains("\"model_type\" : \"vit\"") && config.contains("\"9\" : \"Ankle boot\""), config);
            assertEquals(0.5, Backbones.readCard(dir).testAccuracy());

            Block original = model.namedModules().get("vit");
            float[] before = features(original, manager, pixels);
            try (NDManager other = NDManager.newBaseManager()) {
                ViTModel loaded = Backbones.loadBackbone(dir, other);
                assertArrayEquals(before, features(loaded, other, pixels));
                ViTForImageClassification full = Backbones.loadClassifier(dir, other);
                assertArrayEquals(before, features(full.namedModules().get("vit"), other, pixels));
            }
        }
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        try (NDManager manager = NDManager.newBaseManager()) {
            IOException e = assertThrows(IOException.class, () -> Backbones.loadBackbone(dir.resolve("nowhere"), manager));
            assertTrue(e.getMessage().contains("config.json"), e.getMessage());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> Backbones.loadBackbone(dir, manager));
            assertTrue(bad.getMessage().contains("image_size"), bad.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> Backbones.readCard(dir));
        assertTrue(e.getMessage().contains(BackboneCard.FILE_NAME), e.getMessage());
    }

    /**
     * The shipped backbone is what its card says: self-pretrained, and its Fashion-MNIST test accuracy,
     * re-measured here with a plain inference loop (not the pretraining command's evaluation), matches.
     */
    @Test
    void shippedBackboneMatchesItsCard() throws IOException {
        Path shipped = Backbones.shipped();
        BackboneCard card = Backbones.readCard(shipped);
        assertEquals(BackboneCard.SELF_PRETRAINED, card.provenance());
        assertTrue(card.command().startsWith("treelora pretrain-backbone"), card.command());
        assertTrue(Files.size(shipped.resolve("model.safetensors")) < 4_000_000, "the shipped weights must stay small");
        TrainTest<ImageDataset> fashion = RequiredData.require(() -> Datasets.fashionMnist(Datasets.defaultCache()));
        ImageDataset test = fashion.test();
        int correct = 0;
        int[] labels = test.labels();
        try (NDManager manager = NDManager.newBaseManager()) {
            ViTForImageClassification model = Backbones.loadClassifier(shipped, manager);
            for (int start = 0; start < test.size(); start += 1000) {
                int[] idx = new int[Math.min(1000, test.size() - start)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = start + i;
                }
                try (NDManager scope = manager.newSubManager()) {
                    NDArray logits = model.forward(new ParameterStore(scope, false),
                            new NDList(PixelBatches.pixels(test, idx, scope)), false).singletonOrThrow();
                    long[] pred = logits.argMax(1).toLongArray();
                    for (int i = 0; i < idx.length; i++) {
                        correct += pred[i] == labels[idx[i]] ? 1 : 0;
                    }
                }
            }
        }
        double accuracy = (double) correct / test.size();
        System.out.printf("[BackbonesTest] shipped backbone: %.2f%% on the Fashion-MNIST test set (card: %.2f%%)%n",
                100 * accuracy, 100 * card.testAccuracy());
        assertEquals(card.testAccuracy(), accuracy, 0.002);
        assertTrue(accuracy > 0.8, "a useful backbone classifies Fashion-MNIST well above chance: " + accuracy);
    }
}
