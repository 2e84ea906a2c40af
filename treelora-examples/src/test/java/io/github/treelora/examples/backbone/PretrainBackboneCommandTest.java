package io.github.treelora.examples.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain-backbone} on 2,048 real Fashion-MNIST images for one epoch: it writes the four files, the
 * card records the run, and even this short run learns (test accuracy well above the 10% of chance).
 * Skipped without the data unless {@code TREELORA_REQUIRE_DATA=true}.
 */
class PretrainBackboneCommandTest {
    @TempDir
    Path dir;

    @Test
    void shortRunWritesAUsableBackbone() throws Exception {
        Path cache = RequiredData.cache(Datasets::fashionMnist);
        Path target = dir.resolve("bb");
        CliRun run = CliRun.execute("pretrain-backbone", "--epochs", "1", "--train-limit", "2048", "--batch", "64",
                "--output", target.toString(), "--data", cache.toString()).assertSucceeded();
        String out = run.err() + run.out();
        for (String f : Backbones.FILES) {
            assertTrue(Files.isRegularFile(target.resolve(f)), f + " missing; output:\n" + out);
        }
        BackboneCard card = Backbones.readCard(target);
        assertEquals(BackboneCard.SELF_PRETRAINED, card.provenance());
        assertEquals(2048, card.trainImages());
        assertEquals(1, card.epochs());
        assertEquals(10000, card.testImages());
        assertTrue(card.command().startsWith("treelora pretrain-backbone --epochs 1"), card.command());
        assertTrue(card.testAccuracy() > 0.3, "one short epoch should already beat chance clearly: " + card.testAccuracy());
        System.out.printf("[PretrainBackboneCommandTest] 2048 images, 1 epoch: %.2f%% test accuracy in %.1f s%n",
                100 * card.testAccuracy(), card.trainSeconds());
    }
}
