package io.github.treelora.examples.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.TestFiles;
import io.github.treelora.examples.benchmark.TaskSizes;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.RequiredData;
import io.github.treelora.examples.data.SplitOptions;
import io.github.treelora.examples.data.TrainTest;
import io.github.treelora.examples.splitmnist.SplitMnistData;
import io.github.treelora.djl.cl.ContinualTask;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pretraining that diverges exits with 1 and writes nothing, even with {@code --overwrite}: the previous backbone or
 * decoder stays byte for byte. Also: what banners report for a cap larger than the data. Skipped without the data
 * unless {@code TREELORA_REQUIRE_DATA=true}.
 */
class DivergedPretrainingTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void divergingBackbonePretrainingLeavesTheExistingBackbone() throws IOException {
        Path cache = RequiredData.cache(Datasets::fashionMnist);
        Path backbone = Files.createDirectories(tmp.resolve("backbone"));
        Files.writeString(backbone.resolve("model.safetensors"), "good weights");
        Files.writeString(backbone.resolve("backbone-card.json"), "good card");
        int code = CliRun.execute(out, err, "pretrain-backbone", "--lr", "1e30", "--epochs", "1", "--train-limit", "256", "--overwrite",
                "--output", backbone.toString(), "--data", cache.toString());
        assertEquals(1, code, out + "\n" + err);
        assertTrue(err.toString().startsWith("pretrain-backbone: training diverged: the loss is NaN at epoch 1/1"),
                err.toString());
        assertTrue(err.toString().contains("nothing was written and " + backbone.toAbsolutePath() + " is unchanged"),
                err.toString());
        assertFalse(out.toString().contains("written to"), out.toString());
        assertEquals("good weights", Files.readString(backbone.resolve("model.safetensors")));
        assertEquals("good card", Files.readString(backbone.resolve("backbone-card.json")));
        assertEquals(List.of("backbone"), TestFiles.names(tmp), "no temporary directory is left");
    }

    @Test
    void divergingDecoderPretrainingWritesNothing() throws IOException {
        Path cache = RequiredData.cache(Datasets::wordnet, Datasets::fortunes);
        Path decoder = tmp.resolve("decoder");
        int code = CliRun.execute(out, err, "pretrain-decoder", "--output", decoder.toString(), "--data", cache.toString(), "--lr", "1e30",
                "--steps", "6", "--batch", "4", "--seq", "16", "--text-limit", "300", "--vocab", "300", "--hidden", "16",
                "--layers", "1", "--heads", "2", "--intermediate", "32");
        assertEquals(1, code, out + "\n" + err);
        assertTrue(err.toString().startsWith("pretrain-decoder: training diverged: "), err.toString());
        assertEquals(List.of(), TestFiles.names(tmp), "nothing is written");
    }

    @Test
    void aCapLargerThanATaskReportsWhatTheTaskHolds() throws IOException {
        Path cache = Datasets.defaultCache();
        TrainTest<ImageDataset> mnist = RequiredData.require(() -> Datasets.mnist(cache));
        List<ContinualTask> tasks = SplitMnistData.tasks(mnist,
                SplitOptions.full().withPerTaskCaps(100000, 100000).withSeed(1));
        String train = TaskSizes.perTask(tasks, true);
        int smallest = tasks.stream().mapToInt(t -> t.train().size()).min().orElseThrow();
        int largest = tasks.stream().mapToInt(t -> t.train().size()).max().orElseThrow();
        assertTrue(largest < 15000, "a Split-MNIST task holds about 12000 training images: " + largest);
        assertEquals(smallest + "-" + largest, train);
        assertEquals(largest, TaskSizes.largest(tasks, true));
        List<ContinualTask> capped = SplitMnistData.tasks(mnist,
                SplitOptions.full().withPerTaskCaps(64, 50).withSeed(1));
        assertEquals("64", TaskSizes.perTask(capped, true));
        assertEquals("50", TaskSizes.perTask(capped, false));
        assertEquals("32", TaskSizes.perClass(capped, true));
    }
}
