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
                && md.contains("code (edit similarity)") && md.contains("simplify (SARI)")
                && md.contains("| *trivial: the prompt copied* |"), md);
        JsonNode root = new ObjectMapper().readTree(output.resolve(ContinualReport.JSON_FILE).toFile());
        for (String answer : TraceData.TRIVIAL) {
            JsonNode floor = root.get("trivial").get(answer);
            assertEquals(6, floor.size(), answer);
            floor.forEach(v -> assertTrue(v.asDouble() >= 0 && v.asDouble() <= 1, answer + ": " + v));
        }
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
        assertRejectedNaming("--train", "--train", "0");
        assertRejectedNaming("--tune-epochs", "--tune-epochs", "2,0");
        assertRejectedNaming("--validation", "--tune-epochs", "2", "--validation");
        assertRejectedNaming("poetry", "--tasks", "code,poetry");
        assertRejectedNaming("bogus", "--strategies", "seqlora,bogus");
    }

    /** trace-offline with {@code options} exits with 2 and an error message that names {@code named}. */
    private static void assertRejectedNaming(String named, String... options) {
        StringWriter err = new StringWriter();
        String[] args = new String[options.length + 1];
        args[0] = "trace-offline";
        System.arraycopy(options, 0, args, 1, options.length);
        assertEquals(2, run(new StringWriter(), err, args));
        assertTrue(err.toString().contains(named), err.toString());
    }
}
