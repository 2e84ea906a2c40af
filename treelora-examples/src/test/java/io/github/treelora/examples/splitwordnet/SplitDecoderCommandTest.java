package io.github.treelora.examples.splitwordnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.examples.TreeLoraCli;
import io.github.treelora.examples.benchmark.ContinualReport;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
        Path cache = Datasets.defaultCache();
        RequiredData.require(() -> Datasets.wordnet(cache));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TreeLoraCli());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("split-decoder", "--quick", "--strategies", "seqlora", "--output", dir.toString(),
                "--data", cache.toString());
        assertEquals(0, code, err + "\n" + out);
        String md = Files.readString(dir.resolve(ContinualReport.MARKDOWN_FILE));
        assertTrue(md.contains("self-pretrained") && md.contains("exact match"), md);
        JsonNode run = new ObjectMapper().readTree(dir.resolve(ContinualReport.JSON_FILE).toFile()).get("runs").get(0);
        JsonNode m = run.get("accuracy");
        assertEquals(5, m.size());
        for (int i = 0; i < 5; i++) {
            for (int j = i; j < 5; j++) {
                double v = m.get(i).get(j).asDouble();
                assertTrue(v >= 0 && v <= 1, "R[" + i + "][" + j + "] = " + v);
            }
        }
        // 5 tasks x 4 supersenses x 4 glosses, 1 epoch
        assertEquals(80, run.get("trainSamples").asLong());
    }

    @Test
    void badOptionsAreRejectedBeforeAnyWork() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TreeLoraCli());
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("split-decoder", "--strategies", "seqlora", "--strategy-epochs", "olora=2"));
        assertTrue(err.toString().contains("olora=2"), err.toString());
    }
}
