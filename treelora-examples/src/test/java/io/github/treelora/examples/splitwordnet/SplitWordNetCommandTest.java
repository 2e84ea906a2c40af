package io.github.treelora.examples.splitwordnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.benchmark.ContinualReport;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code split-wordnet --quick} end to end on the real WordNet glosses and the real pretrained MiniLM: SeqLoRA,
 * O-LoRA and TreeLoRA each produce a complete 5x5 matrix of accuracies, and the report files are written. InfLoRA
 * is left out here: its per-task eigendecompositions of the 384 x 384 input covariances (12 layers, twice per task)
 * take minutes on 2 cores whatever the data size. Skipped without the data, unless {@code
 * TREELORA_REQUIRE_DATA=true} (then it fails with the fetch command).
 */
class SplitWordNetCommandTest {
    @TempDir
    Path dir;

    @Test
    void quickRunWritesTheReport() throws Exception {
        Path cache = RequiredData.cache(Datasets::wordnet);
        CliRun.execute("split-wordnet", "--quick", "--strategies", "seqlora,olora,treelora", "--output",
                dir.toString(), "--data", cache.toString()).assertSucceeded();
        String md = Files.readString(dir.resolve(ContinualReport.MARKDOWN_FILE));
        assertTrue(md.contains("all-MiniLM-L6-v2") && md.contains("### TreeLoRA-PAPER"), md);
        JsonNode json = CliRun.assertRuns(dir, Set.of("SeqLoRA", "O-LoRA", "TreeLoRA-PAPER"), 5);
        for (JsonNode run : json.get("runs")) {
            // 5 tasks x 4 supersenses x 8 glosses, 1 epoch
            assertEquals(160, run.get("trainSamples").asLong());
        }
        JsonNode tasks = json.get("results").get(0).get("tasks");
        assertEquals(5, tasks.size());
    }
}
