package io.github.treelora.examples.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code trace-offline --quick} end to end on the real offline data and the shipped self-pretrained decoder: all five
 * strategies produce complete 6x6 score matrices in [0, 1], the report carries OP, both BWTs and the pictures.
 */
class TraceOfflineCommandTest {
    @TempDir
    Path dir;

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new TreeLoraCli());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void quickRunOfAllFiveStrategiesWritesTheReport() throws Exception {
        Path cache = Datasets.defaultCache();
        RequiredData.require(() -> TraceStream.build(cache, new TraceStream.Sizes(1, 1, 1), 1));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path output = dir.resolve("report");
        assertEquals(0, run(out, err, "trace-offline", "--quick", "--output", output.toString(), "--data",
                cache.toString()), err + "\n" + out);
        String md = Files.readString(output.resolve(ContinualReport.MARKDOWN_FILE));
        assertTrue(md.contains("self-pretrained") && md.contains("BWT % (authors' clipped)")
                && md.contains("code (edit similarity)") && md.contains("simplify (SARI)"), md);
        JsonNode root = new ObjectMapper().readTree(output.resolve(ContinualReport.JSON_FILE).toFile());
        List<String> strategies = List.of("SeqLoRA", "O-LoRA", "InfLoRA", "TreeLoRA-REFERENCE", "TreeLoRA-PAPER");
        assertEquals(strategies.size(), root.get("runs").size());
        for (int k = 0; k < strategies.size(); k++) {
            JsonNode r = root.get("runs").get(k);
            assertEquals(strategies.get(k), r.get("strategy").asText());
            JsonNode m = r.get("scores");
            assertEquals(6, m.size());
            double diag = 0;
            double last = 0;
            for (int i = 0; i < 6; i++) {
                for (int j = i; j < 6; j++) {
                    double v = m.get(i).get(j).asDouble();
                    assertTrue(v >= 0 && v <= 1, r.get("strategy") + " R[" + i + "][" + j + "] = " + v);
                }
                diag += m.get(i).get(i).asDouble() / 6;
                last += m.get(i).get(5).asDouble() / 6;
            }
            JsonNode s = root.get("summaries").get(k);
            assertEquals(last, s.get("op").asDouble(), 1e-12);
            assertEquals(diag, s.get("just_learned").asDouble(), 1e-12);
            assertEquals(diag - last, s.get("bwt").asDouble(), 1e-12);
            assertTrue(s.get("bwt_clipped").asDouble() <= 0);
            String slug = ContinualReport.slug(strategies.get(k));
            assertTrue(Files.size(output.resolve("heatmap-" + slug + ".png")) > 0);
        }
        assertFalse(Files.list(dir).anyMatch(p -> p.getFileName().toString().startsWith(".report.tmp")));
    }

    @Test
    void badOptionsAreRejectedByName() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(new StringWriter(), err, "trace-offline", "--train", "0"));
        assertTrue(err.toString().contains("--train"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(new StringWriter(), err2, "trace-offline", "--tune-epochs", "2,0"));
        assertTrue(err2.toString().contains("--tune-epochs"), err2.toString());
        StringWriter err4 = new StringWriter();
        assertEquals(2, run(new StringWriter(), err4, "trace-offline", "--tune-epochs", "2", "--validation"));
        assertTrue(err4.toString().contains("--validation"), err4.toString());
        StringWriter err5 = new StringWriter();
        assertEquals(2, run(new StringWriter(), err5, "trace-offline", "--tasks", "code,poetry"));
        assertTrue(err5.toString().contains("poetry"), err5.toString());
        StringWriter err3 = new StringWriter();
        assertEquals(2, run(new StringWriter(), err3, "trace-offline", "--strategies", "seqlora,bogus"));
        assertTrue(err3.toString().contains("bogus"), err3.toString());
    }
}
