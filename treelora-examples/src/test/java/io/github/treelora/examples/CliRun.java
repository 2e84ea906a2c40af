package io.github.treelora.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.examples.benchmark.ContinualReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import picocli.CommandLine;

/**
 * One run of the {@code treelora} command line, in-process, with its output and error output captured.
 *
 * @param code the exit code
 * @param out what it printed
 * @param err what it printed as errors
 */
public record CliRun(int code, String out, String err) {

    /**
     * Runs {@link TreeLoraCli} with {@code args}.
     *
     * @param args the command and its options
     * @return the run
     */
    public static CliRun execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = execute(out, err, args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * Runs {@link TreeLoraCli} with {@code args}, appending what it prints to {@code out} and {@code err} (flushed
     * line by line, so a test that inspects them while the command runs sees its progress).
     *
     * @param out receives the output
     * @param err receives the error output
     * @param args the command and its options
     * @return the exit code
     */
    public static int execute(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new TreeLoraCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /**
     * Fails, showing both outputs, unless the run exited with 0.
     *
     * @return this run
     */
    public CliRun assertSucceeded() {
        assertEquals(0, code, err + "\n" + out);
        return this;
    }

    /**
     * Reads a benchmark's {@code results.json} and checks its runs: one per strategy in {@code strategies}, each with
     * an accuracy matrix of {@code tasks} rows whose entries on and above the diagonal are accuracies
     * ({@link #assertAccuracies}).
     *
     * @param dir the output directory
     * @param strategies the display names of the strategies that ran
     * @param tasks the number of tasks
     * @return the whole {@code results.json}
     * @throws IOException if it cannot be read
     */
    public static JsonNode assertRuns(Path dir, Set<String> strategies, int tasks) throws IOException {
        JsonNode json = new ObjectMapper().readTree(dir.resolve(ContinualReport.JSON_FILE).toFile());
        JsonNode runs = json.get("runs");
        assertEquals(strategies.size(), runs.size());
        Set<String> names = new HashSet<>();
        for (JsonNode run : runs) {
            names.add(run.get("strategy").asText());
            assertAccuracies(run, tasks);
        }
        assertEquals(strategies, names);
        return json;
    }

    /**
     * Checks a run's accuracy matrix as {@code results.json} holds it: {@code tasks} rows, and every entry on and
     * above the diagonal an accuracy in [0, 1].
     *
     * @param run one element of {@code runs}
     * @param tasks the number of tasks
     */
    public static void assertAccuracies(JsonNode run, int tasks) {
        JsonNode m = run.get("accuracy");
        assertEquals(tasks, m.size());
        for (int i = 0; i < tasks; i++) {
            for (int j = i; j < tasks; j++) {
                double v = m.get(i).get(j).asDouble();
                assertTrue(v >= 0 && v <= 1, "R[" + i + "][" + j + "] = " + v);
            }
        }
    }
}
