package io.github.treelora.examples.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report writer on hand-made runs whose metrics were computed by hand:
 *
 * <pre>
 * A, seed 1: R = [[0.9, 0.5, 0.3], [-, 0.8, 0.6], [-, -, 0.7]]
 *   ACC = (0.3 + 0.6 + 0.7) / 3 = 0.5333; BWT = ((0.9-0.3) + (0.8-0.6) + 0) / 3 = 0.2667;
 *   forgetting: task 0 max(0.9, 0.5) - 0.3 = 0.6, task 1 0.8 - 0.6 = 0.2, mean 0.4
 * A, seed 2: R = [[0.7, 0.7, 0.5], [-, 0.6, 0.6], [-, -, 0.8]]
 *   ACC = 0.6333; BWT = (0.2 + 0 + 0) / 3 = 0.0667; forgetting mean (0.2 + 0) / 2 = 0.1
 * A over seeds: ACC mean 0.5833, sample std sqrt(2 * 0.05^2) = 0.0707; BWT mean 0.1667, std 0.1414
 * B, seed 1: R = [[1, 1, 1], [-, 1, 1], [-, -, 0.1]]: ACC 0.7, BWT 0, forgetting 0
 * </pre>
 */
class ContinualReportTest {
    private static final double NAN = Double.NaN;

    @TempDir
    Path dir;

    private static RunRecord runA1() {
        return new RunRecord("A", 1, new double[][] {{0.9, 0.5, 0.3}, {NAN, 0.8, 0.6}, {NAN, NAN, 0.7}}, 10, 3000, 12);
    }

    private static RunRecord runA2() {
        return new RunRecord("A", 2, new double[][] {{0.7, 0.7, 0.5}, {NAN, 0.6, 0.6}, {NAN, NAN, 0.8}}, 30, 3000, 33);
    }

    private static RunRecord runB1() {
        return new RunRecord("SeqLoRA", 1, new double[][] {{1, 1, 1}, {NAN, 1, 1}, {NAN, NAN, 0.1}}, 5, 1000, 6);
    }

    private static ReportSetup setup(double wallSeconds, List<Long> seeds) {
        return new ReportSetup("Split-Test: hand-made runs", "2 things", "treelora split-mnist",
                "2026-01-02T00:00:00Z", "test machine", wallSeconds, "a **self-pretrained** test backbone",
                "hand-made data", "MNIST test set", 2000, 1000, Map.of("A", new Budget(2, 1e-2), "SeqLoRA", new Budget(1, 5e-3)), seeds, false, Map.of("LoRA", "rank 4"));
    }

    @Test
    void summariesMatchHandComputedMetrics() {
        ContinualReport report = new ContinualReport(setup(100, List.of(1L, 2L)), List.of(runA1(), runB1(), runA2()),
                List.of(), List.of());
        StrategySummary a = report.summaries().get(0);
        assertEquals("A", a.strategy());
        assertEquals(2, a.seeds());
        assertEquals((0.5333333 + 0.6333333) / 2, a.acc().mean(), 1e-6);
        assertEquals(Math.sqrt(2 * 0.05 * 0.05), a.acc().std(), 1e-9);
        assertEquals((0.2666667 + 0.0666667) / 2, a.bwt().mean(), 1e-6);
        assertEquals(0.1414214, a.bwt().std(), 1e-6);
        assertEquals((0.4 + 0.1) / 2, a.forgetting().mean(), 1e-9);
        assertEquals(20, a.trainSeconds().mean(), 1e-12);
        assertEquals((300 + 100) / 2.0, a.samplesPerSecond().mean(), 1e-9);
        assertEquals(0.4, a.meanAccuracy()[0][2], 1e-12);
        assertTrue(Double.isNaN(a.meanAccuracy()[2][0]));
        StrategySummary b = report.summaries().get(1);
        assertEquals(0.7, b.acc().mean(), 1e-12);
        assertEquals(0, b.acc().std());
        assertEquals(0, b.bwt().mean(), 1e-12);
        // A's mean ACC 0.583 < SeqLoRA's 0.7: the report says so.
        assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("A does not beat SeqLoRA")), report.notes().toString());
    }

    @Test
    void publishWritesTheFilesAndPrintsTableRunLineAndNotes() throws Exception {
        ContinualReport report = new ContinualReport(setup(700, List.of(1L)), List.of(runA1(), runB1()), List.of(),
                List.of("hand note"));
        StringWriter console = new StringWriter();
        report.publish(dir, "split-test", new PrintWriter(console));
        String text = console.toString();
        assertTrue(Files.exists(dir.resolve(ContinualReport.MARKDOWN_FILE)), "report written");
        assertTrue(text.contains(report.consoleTable()), text);
        assertTrue(text.contains("split-test: 2 runs in 700.0 s; wrote " + dir.resolve(ContinualReport.JSON_FILE)
                .toAbsolutePath()), text);
        assertTrue(text.contains("note: hand note\n") && text.contains("note: Target missed: the job took 700 s"),
                text);
    }

    @Test
    void writesMarkdownAndJson() throws Exception {
        ContinualReport report = new ContinualReport(setup(700, List.of(1L)), List.of(runA1(), runB1()),
                List.of(new ObjectMapper().readTree("{\"strategy\": \"A\", \"extra\": 1}")), List.of("hand note"));
        report.write(dir);
        String md = Files.readString(dir.resolve(ContinualReport.MARKDOWN_FILE));
        assertTrue(md.contains("| A | 53.33 ± 0.00 | 26.67 ± 0.00 | 40.00 ± 0.00 | 10.0 ± 0.0 | 300 | 2 | 0.01 |"), md);
        assertTrue(md.contains("| SeqLoRA |") && md.contains(" | 1 | 0.005 |"), md);
        assertTrue(md.contains("- Epochs per task and learning rate: {") && md.contains("A=2 epochs, lr 0.01")
                && md.contains("SeqLoRA=1 epochs, lr 0.005"), md);
        assertTrue(md.contains("| 0 | 90.0 | 50.0 | 30.0 |"), md);
        assertTrue(md.contains("| 2 |  |  | 70.0 |"), md);
        assertTrue(md.startsWith("# Split-Test: hand-made runs\n"), md);
        assertTrue(md.contains("3 tasks of 2 things, class-incremental, evaluated on the MNIST test set."), md);
        assertTrue(md.contains("- Backbone: a **self-pretrained** test backbone\n"), md);
        assertTrue(md.contains("- Data: hand-made data; 2000 training and 1000 evaluation samples per task"), md);
        assertTrue(md.contains("Target missed: the job took 700 s"), md);
        assertTrue(md.contains("- hand note"), md);
        // Pictures per strategy, linked from the report.
        for (String slug : List.of("a", "seqlora")) {
            assertTrue(Files.size(dir.resolve("heatmap-" + slug + ".png")) > 0);
            assertTrue(Files.size(dir.resolve("curves-" + slug + ".png")) > 0);
            assertTrue(md.contains("(heatmap-" + slug + ".png)") && md.contains("(curves-" + slug + ".png)"), md);
        }
        assertEquals("treelora-paper", ContinualReport.slug("TreeLoRA-PAPER"));
        assertEquals("o-lora", ContinualReport.slug("O-LoRA"));
        JsonNode json = new ObjectMapper().readTree(dir.resolve(ContinualReport.JSON_FILE).toFile());
        assertEquals(2, json.get("runs").size());
        JsonNode r0 = json.get("runs").get(0);
        assertEquals("A", r0.get("strategy").asText());
        assertTrue(r0.get("accuracy").get(1).get(0).isNull());
        assertEquals(0.6, r0.get("accuracy").get(1).get(2).asDouble(), 1e-12);
        assertEquals(0.5333333, r0.get("metrics").get("accuracy").asDouble(), 1e-6);
        assertEquals(300, r0.get("samples_per_second").asDouble(), 1e-9);
        assertEquals(1, json.get("results").get(0).get("extra").asInt());
        assertEquals("a **self-pretrained** test backbone", json.get("setup").get("backbone").asText());
        assertEquals("Split-Test: hand-made runs", json.get("setup").get("title").asText());
        String table = report.consoleTable();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("SeqLoRA") && l.contains("70.00 ± 0.00")), table);
    }

    @Test
    void rejectsBadRuns() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RunRecord("X", 1, new double[][] {{0.5, 0.4}, {NAN, NAN}}, 1, 1, 1));
        assertTrue(e.getMessage().contains("R[1][1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new RunRecord("X", 1, new double[][] {{0.5, 0.4}, {0.3}}, 1, 1, 1));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ContinualReport(setup(1, List.of(1L)), List.of(), List.of(), List.of()));
        RunRecord twoTasks = new RunRecord("A", 3, new double[][] {{0.5, 0.4}, {NAN, 0.3}}, 1, 1, 1);
        assertThrows(IllegalArgumentException.class,
                () -> new ContinualReport(setup(1, List.of(1L)), List.of(runA1(), twoTasks), List.of(), List.of()));
    }
}
