package io.github.treelora.examples.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.examples.report.Charts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebook runner on hand-written notebooks (outputs known in advance), then on every shipped notebook: each
 * must run without error and show at least one picture. Shipped notebooks need MNIST and WordNet in the data cache;
 * without them the test is skipped, unless TREELORA_REQUIRE_DATA=true (CI), where it fails.
 */
class NotebookRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path notebook(String... cells) throws IOException {
        ObjectNode nb = JSON.createObjectNode();
        ArrayNode array = nb.putArray("cells");
        array.addObject().put("cell_type", "markdown").putArray("source").add("# title");
        for (String c : cells) {
            ObjectNode cell = array.addObject();
            cell.put("cell_type", "code");
            cell.putArray("source").add(c);
            cell.putArray("outputs");
        }
        nb.put("nbformat", 4);
        Path f = dir.resolve("t.ipynb");
        Files.writeString(f, JSON.writeValueAsString(nb));
        return f;
    }

    private static List<JsonNode> outputs(NotebookRunner.Result r, int cell) {
        List<JsonNode> l = new ArrayList<>();
        r.executed().get("cells").get(cell).get("outputs").forEach(l::add);
        return l;
    }

    private static String text(JsonNode output) {
        StringBuilder b = new StringBuilder();
        JsonNode t = output.has("text") ? output.get("text") : output.get("data").get("text/plain");
        t.forEach(n -> b.append(n.asText()));
        return b.toString();
    }

    @Test
    void capturesTextValuesAndImagesInOrderAndSkipsMagics() throws IOException {
        Path png = Charts.accuracyHeatmap(new double[][] {{0.5}}, "one task", dir.resolve("h.png"));
        Path nb = notebook("%maven org.example:nothing:1.0\nint x = 20;\nSystem.out.println(\"x=\" + x);\nx + 22",
                "System.out.println(\"before\");\n"
                        + "io.github.treelora.examples.notebook.Display.png(java.nio.file.Path.of(\""
                        + png.toString().replace("\\", "\\\\") + "\"));\nSystem.out.println(\"after\");");
        NotebookRunner.Result r = NotebookRunner.run(nb);
        assertTrue(r.ok(), r.error());
        assertEquals(2, r.cells());
        List<JsonNode> first = outputs(r, 1);
        assertEquals(2, first.size(), first.toString());
        assertEquals("stream", first.get(0).get("output_type").asText());
        assertEquals("x=20\n", text(first.get(0)));
        assertEquals("execute_result", first.get(1).get("output_type").asText());
        assertEquals("42", text(first.get(1)));
        List<JsonNode> second = outputs(r, 2);
        assertEquals(List.of("stream", "display_data", "stream"),
                second.stream().map(o -> o.get("output_type").asText()).toList());
        assertEquals("before\n", text(second.get(0)));
        assertArrayEquals(Files.readAllBytes(png),
                Base64.getDecoder().decode(second.get(1).get("data").get("image/png").asText()));
        assertEquals("after\n", text(second.get(2)));
        assertEquals(1, r.executed().get("cells").get(1).get("execution_count").asInt());
    }

    @Test
    void leavesLogRecordsBelowWarnOutOfTheOutputs() throws IOException {
        // Named logger levels are fixed per logger at creation: force this one to INFO whatever the JVM's default.
        System.setProperty("org.slf4j.simpleLogger.log.nbtest", "info");
        NotebookRunner.Result r = NotebookRunner.run(notebook(
                "var log = org.slf4j.LoggerFactory.getLogger(\"nbtest\");\n"
                        + "log.info(\"epoch 1 of 3\");\nlog.warn(\"basis is full\");\n"
                        + "System.err.println(\"a plain error line\");"));
        assertTrue(r.ok(), r.error());
        String err = outputs(r, 1).stream().filter(o -> "stderr".equals(o.path("name").asText()))
                .map(NotebookRunnerTest::text).reduce("", String::concat);
        assertFalse(err.contains("epoch 1 of 3"), err);
        assertTrue(err.contains("WARN nbtest - basis is full"), err);
        assertTrue(err.contains("a plain error line"), err);
        assertEquals("", NotebookRunner.withoutLogNoise("[main] INFO ai.djl.util.Platform - Found matching platform\n"
                + "[Thread-5] WARN ai.djl.util.cuda.CudaUtils - Failed to detect GPU count\n"));
    }

    @Test
    void reportsCompileErrorsWithTheCellIndex() throws IOException {
        NotebookRunner.Result r = NotebookRunner.run(notebook("int a = 1;", "int b = undefinedName + 1;", "int c = 3;"));
        assertFalse(r.ok());
        assertEquals(2, r.failedCell());
        assertTrue(r.error().contains("compile error") && r.error().contains("undefinedName"), r.error());
        assertEquals("error", outputs(r, 2).get(0).get("output_type").asText());
        assertTrue(outputs(r, 3).isEmpty(), "cells after the failure are not run");
    }

    @Test
    void reportsExceptionsWithClassAndMessage() throws IOException {
        NotebookRunner.Result r = NotebookRunner.run(notebook("if (true) throw new IllegalStateException(\"no data here\");"));
        assertFalse(r.ok());
        assertEquals(1, r.failedCell());
        assertTrue(r.error().contains("java.lang.IllegalStateException: no data here"), r.error());
    }

    @Test
    void rejectsAFileThatIsNotANotebook() throws IOException {
        Path f = Files.writeString(dir.resolve("x.ipynb"), "{\"nbformat\": 4}");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> NotebookRunner.run(f));
        assertTrue(e.getMessage().contains("x.ipynb") && e.getMessage().contains("cells"), e.getMessage());
    }

    @Test
    void everyShippedNotebookRunsAndShowsPictures() throws IOException {
        Path cache = io.github.treelora.examples.data.Datasets.defaultCache();
        boolean data = Files.isDirectory(cache.resolve("mnist")) && Files.isDirectory(cache.resolve("wordnet"));
        if (!data) {
            if (Boolean.parseBoolean(System.getenv("TREELORA_REQUIRE_DATA"))) {
                throw new AssertionError("TREELORA_REQUIRE_DATA=true but MNIST/WordNet are missing in " + cache);
            }
            Assumptions.abort("MNIST/WordNet not in " + cache + "; run treelora-examples/scripts/fetch-data.sh");
        }
        List<Path> notebooks = NotebookRunner.expand(List.of(Path.of("notebooks")));
        assertEquals(3, notebooks.size(), notebooks.toString());
        for (Path nb : notebooks) {
            NotebookRunner.Result r = NotebookRunner.run(nb);
            assertTrue(r.ok(), nb + ": cell " + r.failedCell() + ": " + r.error());
            long images = 0;
            for (JsonNode cell : r.executed().get("cells")) {
                for (JsonNode o : cell.path("outputs")) {
                    images += o.path("data").has("image/png") ? 1 : 0;
                }
            }
            assertTrue(images >= 1, nb + " shows no picture");
        }
    }
}
