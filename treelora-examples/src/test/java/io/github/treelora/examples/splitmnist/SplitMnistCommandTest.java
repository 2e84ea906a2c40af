package io.github.treelora.examples.splitmnist;

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
 * {@code split-mnist --quick} and {@code split-fashion-mnist --quick} end to end on the real data and the shipped
 * backbone: the report files exist,
 * the JSON holds the four strategies, each with a complete 5x5 accuracy matrix whose values are accuracies,
 * and the full trainer results. Skipped without the data, unless {@code TREELORA_REQUIRE_DATA=true} (then it
 * fails with the fetch command), like the other real-data tests.
 */
class SplitMnistCommandTest {
    @TempDir
    Path dir;

    @Test
    void quickRunWritesTheReport() throws Exception {
        quickRun("split-mnist", "Out of domain");
    }

    @Test
    void fashionQuickRunWritesTheReportWithTheInDomainCaveat() throws Exception {
        quickRun("split-fashion-mnist", "Caveat, in-domain");
    }

    private void quickRun(String command, String domainNote) throws Exception {
        Path cache = RequiredData.cache(command.equals("split-mnist") ? Datasets::mnist : Datasets::fashionMnist);
        long t0 = System.nanoTime();
        CliRun cli = CliRun.execute(command, "--quick", "--output", dir.toString(), "--data", cache.toString());
        System.out.printf("[SplitMnistCommandTest] %s --quick took %.1f s%n", command, (System.nanoTime() - t0) / 1e9);
        String console = cli.assertSucceeded().out();
        for (String s : new String[] {"SeqLoRA", "O-LoRA", "InfLoRA", "TreeLoRA-PAPER"}) {
            assertTrue(console.lines().anyMatch(l -> l.startsWith(s + " ")), "table row of " + s + ":\n" + console);
        }
        assertTrue(Files.isRegularFile(dir.resolve(ContinualReport.MARKDOWN_FILE)));
        String md = Files.readString(dir.resolve(ContinualReport.MARKDOWN_FILE));
        assertTrue(md.contains("self-pretrained") && md.contains("### TreeLoRA-PAPER"), md);
        assertTrue(md.contains("- " + domainNote), md);
        JsonNode json = CliRun.assertRuns(dir, Set.of("SeqLoRA", "O-LoRA", "InfLoRA", "TreeLoRA-PAPER"), 5);
        for (JsonNode run : json.get("runs")) {
            JsonNode m = run.get("accuracy");
            assertEquals(5, m.size());
            for (int i = 0; i < 5; i++) {
                assertEquals(5, m.get(i).size());
                for (int j = 0; j < 5; j++) {
                    JsonNode v = m.get(i).get(j);
                    if (j < i) {
                        assertTrue(v.isNull(), "R[" + i + "][" + j + "] must be null");
                    } else {
                        assertTrue(v.isNumber() && v.asDouble() >= 0 && v.asDouble() <= 1, "R[" + i + "][" + j + "] = " + v);
                    }
                }
            }
            assertTrue(run.get("trainSamples").asLong() > 0);
        }
        assertEquals(4, json.get("results").size());
        assertEquals(5, json.get("results").get(0).get("accuracy").size());
        assertEquals(4, json.get("summary").size());
    }
}
