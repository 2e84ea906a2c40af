package io.github.treelora.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inspect tool end to end: output shape, hand-checked splits, and one-line errors on bad input. */
class InspectCommandTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.execute(args);
    }

    private Path write(String json) throws Exception {
        Path f = Files.createTempFile(dir, "vectors", ".json");
        Files.writeString(f, json);
        return f;
    }

    /** The tree {@code inspect} prints as JSON for the task vectors {@code json}, with {@code options}. */
    private JsonNode tree(String json, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("inspect", "--vectors", write(json).toString()));
        args.addAll(List.of(options));
        CliRun r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void printsTheReferenceTreeOfAHandComputedCase() throws Exception {
        // Layer 0: v = 1, 3, 2, 6 -> u = 1, 2, -1, 4; m = 1.5; s = 1.5, 3, -1.5, 6; lower median 1.5.
        JsonNode root = tree("{\"tasks\": [[[1]], [[3]], [[2]], [[6]]]}", "--preset", "reference");
        assertEquals(0, root.get("depth").asInt());
        assertEquals(1.5, root.get("threshold").asDouble(), 1e-9);
        assertEquals("[0,1,3]", root.get("left").get("tasks").toString());
        assertTrue(root.get("right").get("leaf").asBoolean());
        assertEquals("[2]", root.get("right").get("tasks").toString());
    }

    @Test
    void maxDepthLimitsTheTree() throws Exception {
        JsonNode root = tree("{\"tasks\": [[[0],[0]], [[1],[5]], [[10],[0]], [[11],[5]]]}", "--max-depth", "1");
        assertTrue(root.get("left").get("leaf").asBoolean());
        assertTrue(root.get("right").get("leaf").asBoolean());
        assertEquals(2, root.get("left").get("tasks").size());
    }

    @Test
    void bundledExampleFileParses() throws Exception {
        Path example = Path.of("src/main/resources/examples/task-vectors.json");
        CliRun r = run("inspect", "--vectors", example.toString(), "--text");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("node depth=0 tasks=[0, 1, 2, 3, 4, 5]"), r.out());
    }

    @Test
    void missingFile() {
        assertOneLineError(run("inspect", "--vectors", dir.resolve("nope.json").toString()), "not found");
    }

    @Test
    void raggedLayers() throws Exception {
        assertOneLineError(run("inspect", "--vectors", write("{\"tasks\": [[[1,2],[3]], [[1,2]]]}").toString()),
                "ragged layers: task 1 has 1 layers");
        assertOneLineError(run("inspect", "--vectors", write("{\"tasks\": [[[1,2]], [[1]]]}").toString()),
                "ragged layers: task 1 layer 0 has 1 values");
    }

    @Test
    void nanValue() throws Exception {
        assertOneLineError(run("inspect", "--vectors", write("{\"tasks\": [[[1, NaN]]]}").toString()),
                "task 0 layer 0 value 1 is NaN");
    }

    @Test
    void emptyTaskList() throws Exception {
        assertOneLineError(run("inspect", "--vectors", write("{\"tasks\": []}").toString()), "non-empty");
    }

    @Test
    void notJsonAndWrongShape() throws Exception {
        assertOneLineError(run("inspect", "--vectors", write("{tasks: ").toString()), "not valid JSON");
        assertOneLineError(run("inspect", "--vectors", write("{\"vectors\": []}").toString()), "\"tasks\"");
        assertOneLineError(run("inspect", "--vectors", write("{\"tasks\": [[[1, \"x\"]]]}").toString()),
                "is not a number");
    }

    private static void assertOneLineError(CliRun r, String expected) {
        assertFalse(r.code() == 0, "bad input must exit non-zero");
        String msg = r.err().strip();
        assertFalse(msg.contains("\n"), "one-line message expected, got: " + msg);
        assertTrue(msg.contains(expected), "message should contain '" + expected + "': " + msg);
        assertTrue(r.out().isEmpty(), "nothing on stdout for bad input");
    }
}
