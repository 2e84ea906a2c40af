package io.github.treelora.examples.splitwordnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.benchmark.ContinualReport;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code split-decoder --quick} end to end on the real WordNet glosses and the shipped self-pretrained decoder:
 * SeqLoRA produces a complete 5x5 matrix of exact-match rates and the report says "self-pretrained". Skipped
 * without the data, unless {@code TREELORA_REQUIRE_DATA=true} (then it fails with the fetch command).
 */
class SplitDecoderCommandTest {
    @TempDir
    Path dir;

    @Test
    void quickRunWritesTheReport() throws Exception {
        Path cache = RequiredData.cache(Datasets::wordnet);
        CliRun.execute("split-decoder", "--quick", "--strategies", "seqlora", "--output", dir.toString(), "--data",
                cache.toString()).assertSucceeded();
        String md = Files.readString(dir.resolve(ContinualReport.MARKDOWN_FILE));
        assertTrue(md.contains("self-pretrained") && md.contains("exact match"), md);
        JsonNode run = new ObjectMapper().readTree(dir.resolve(ContinualReport.JSON_FILE).toFile()).get("runs").get(0);
        CliRun.assertAccuracies(run, 5);
        // 5 tasks x 4 supersenses x 4 glosses, 1 epoch
        assertEquals(80, run.get("trainSamples").asLong());
    }

    @Test
    void badOptionsAreRejectedBeforeAnyWork() {
        CliRun run = CliRun.execute("split-decoder", "--strategies", "seqlora", "--strategy-epochs", "olora=2");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("olora=2"), run.err());
    }
}
