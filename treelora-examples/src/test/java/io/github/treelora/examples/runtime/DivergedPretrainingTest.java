package io.github.treelora.examples.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.examples.TreeLoraCli;
import io.github.treelora.examples.benchmark.TaskSizes;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.RequiredData;
import io.github.treelora.examples.data.SplitOptions;
import io.github.treelora.examples.data.TrainTest;
import io.github.treelora.examples.splitmnist.SplitMnistData;
import io.github.treelora.djl.cl.ContinualTask;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

    private int cli(String... args) {
        CommandLine cli = new CommandLine(new TreeLoraCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void divergingBackbonePretrainingLeavesTheExistingBackbone() throws IOException {
        Path cache = Datasets.defaultCache();
        RequiredData.require(() -> Datasets.fashionMnist(cache));
        Path backbone = Files.createDirectories(tmp.resolve("backbone"));
        Files.writeString(backbone.resolve("model.safetensors"), "good weights");
        Files.writeString(backbone.resolve("backbone-card.json"), "good card");
        int code = cli("pretrain-backbone", "--lr", "1e30", "--epochs", "1", "--train-limit", "256", "--overwrite",
                "--output", backbone.toString(), "--data", cache.toString());
        assertEquals(1, code, out + "\n" + err);
        assertTrue(err.toString().startsWith("pretrain-backbone: training diverged: the loss is NaN at epoch 1/1"),
                err.toString());
        assertTrue(err.toString().contains("nothing was written and " + backbone.toAbsolutePath() + " is unchanged"),
                err.toString());
        assertFalse(out.toString().contains("written to"), out.toString());
        assertEquals("good weights", Files.readString(backbone.resolve("model.safetensors")));
        assertEquals("good card", Files.readString(backbone.resolve("backbone-card.json")));
        assertEquals(List.of("backbone"), listing(), "no temporary directory is left");
    }

    @Test
    void divergingDecoderPretrainingWritesNothing() throws IOException {
        Path cache = Datasets.defaultCache();
        RequiredData.require(() -> Datasets.wordnet(cache));
        RequiredData.require(() -> Datasets.fortunes(cache));
        Path decoder = tmp.resolve("decoder");
        int code = cli("pretrain-decoder", "--output", decoder.toString(), "--data", cache.toString(), "--lr", "1e30",
                "--steps", "6", "--batch", "4", "--seq", "16", "--text-limit", "300", "--vocab", "300", "--hidden", "16",
                "--layers", "1", "--heads", "2", "--intermediate", "32");
        assertEquals(1, code, out + "\n" + err);
        assertTrue(err.toString().startsWith("pretrain-decoder: training diverged: "), err.toString());
        assertEquals(List.of(), listing(), "nothing is written");
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
