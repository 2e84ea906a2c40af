package io.github.treelora.examples.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code run-notebooks}: executes Jupyter notebooks written for a Java kernel (IJava, JJava) headless. Each code
 * cell is cut into JShell snippets and evaluated, in order, in one {@code jdk.jshell} session per notebook that runs
 * in this JVM ({@code local} execution) with this JVM's class path. Lines starting with {@code %} (kernel magics
 * such as {@code %maven}) are skipped: the class path is the project's. The run stops at the first cell with a
 * compile error, an unresolved symbol or an exception, and reports the cell's index and the message.
 *
 * <p>Outputs are written back into the notebook (unless {@code --check}): standard output and error as
 * {@code stream} outputs, each {@link Display#png} call as an {@code image/png} output at its place, the value of
 * a cell's final expression as {@code execute_result}, and a failing cell's error as an {@code error} output.
 * SLF4J simple-logger records below WARN and DJL's GPU probe warning are left out of the outputs.
 */
@Command(name = "run-notebooks", mixinStandardHelpOptions = true,
        description = "Executes Java-kernel Jupyter notebooks headless through JShell and writes their outputs back.")
public final class NotebookRunner implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** A simple-logger record ("[thread] LEVEL logger - message") below WARN, or DJL's GPU probe warning. */
    private static final Pattern LOG_NOISE = Pattern.compile(
            "\\[[^\\]\\n]*\\] (?:(?:TRACE|DEBUG|INFO) \\S+|WARN ai\\.djl\\.util\\.cuda\\.CudaUtils) - ");

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "NOTEBOOK|DIR",
            description = "Notebooks (.ipynb) or folders whose .ipynb files run in name order.")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--check", description = "Only execute and fail on errors; do not write outputs back.")
    boolean check;

    /**
     * How one notebook ran.
     *
     * @param notebook the file
     * @param cells code cells executed
     * @param seconds wall time
     * @param failedCell index of the failing cell among all cells (0-based), or -1
     * @param error the failure message, or null
     * @param executed the notebook with outputs
     */
    public record Result(Path notebook, int cells, double seconds, int failedCell, String error, ObjectNode executed) {
        /**
         * Whether every cell ran.
         *
         * @return true without failure
         */
        public boolean ok() {
            return failedCell < 0;
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> files = expand(inputs);
        int failed = 0;
        for (Path f : files) {
            out.println("run-notebooks: " + f);
            out.flush();
            Result r = run(f);
            if (!check) {
                write(r.executed(), f);
            }
            out.printf(Locale.ROOT, "run-notebooks: %s: %d code cells in %.1f s%s%n", f.getFileName(), r.cells(),
                    r.seconds(), r.ok() ? "" : ", FAILED at cell " + r.failedCell() + ": " + r.error());
            out.flush();
            failed += r.ok() ? 0 : 1;
        }
        out.printf(Locale.ROOT, "run-notebooks: %d notebook(s), %d failed%s%n", files.size(), failed,
                check ? " (--check: nothing written)" : "");
        return failed == 0 ? 0 : 1;
    }

    /**
     * The notebooks named by files and folders (a folder's {@code .ipynb} files in name order).
     *
     * @param inputs files or folders
     * @return notebook files
     * @throws IOException if an input does not exist or a folder cannot be listed
     */
    public static List<Path> expand(List<Path> inputs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    files.addAll(s.filter(f -> f.getFileName().toString().endsWith(".ipynb")).sorted().toList());
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new IOException("no such notebook or folder: " + p.toAbsolutePath());
            }
        }
        return files;
    }

    /**
     * Writes a notebook as JSON (one-space indentation is not kept; Jupyter reads any JSON layout).
     *
     * @param notebook the notebook
     * @param file target
     * @throws IOException if it cannot be written
     */
    public static void write(ObjectNode notebook, Path file) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(notebook) + "\n");
    }

    /**
     * Executes a notebook's code cells; the file is not modified.
     *
     * @param notebook the {@code .ipynb} file (nbformat 4)
     * @return the outcome, with the executed notebook
     * @throws IOException if the file cannot be read or is not a notebook (the message names the file)
     */
    public static Result run(Path notebook) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(notebook.toFile());
        } catch (IOException e) {
            throw new IOException(notebook + ": not a JSON notebook: " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode nb) || !root.path("cells").isArray()) {
            throw new IOException(notebook + ": not a Jupyter notebook (no \"cells\" array)");
        }
        ObjectNode executed = nb.deepCopy();
        long t0 = System.nanoTime();
        int count = 0;
        String previous = System.getProperty(Display.RUNNER_PROPERTY);
        System.setProperty(Display.RUNNER_PROPERTY, "true");
        try (JShellSession shell = new JShellSession()) {
            ArrayNode cells = (ArrayNode) executed.get("cells");
            for (int c = 0; c < cells.size(); c++) {
                ObjectNode cell = (ObjectNode) cells.get(c);
                if (!"code".equals(cell.path("cell_type").asText())) {
                    continue;
                }
                count++;
                cell.put("execution_count", count);
                String failure = runCell(shell, source(cell), cell, count);
                if (failure != null) {
                    // Later cells keep no stale outputs from an earlier run.
                    for (int k = c + 1; k < cells.size(); k++) {
                        if ("code".equals(cells.get(k).path("cell_type").asText())) {
                            ((ObjectNode) cells.get(k)).putArray("outputs");
                            ((ObjectNode) cells.get(k)).putNull("execution_count");
                        }
                    }
                    return new Result(notebook, count, (System.nanoTime() - t0) / 1e9, c, failure, executed);
                }
            }
        } finally {
            if (previous == null) {
                System.clearProperty(Display.RUNNER_PROPERTY);
            } else {
                System.setProperty(Display.RUNNER_PROPERTY, previous);
            }
        }
        return new Result(notebook, count, (System.nanoTime() - t0) / 1e9, -1, null, executed);
    }

    private static String source(ObjectNode cell) {
        JsonNode s = cell.path("source");
        return s.isArray() ? String.join("", (Iterable<String>) () -> toStrings(s).iterator()) : s.asText("");
    }

    private static List<String> toStrings(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }

    /** Runs one cell, sets its outputs; returns the failure message or null. */
    private static String runCell(JShellSession shell, String code, ObjectNode cell, int count) {
        ArrayNode outputs = cell.putArray("outputs");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        JShellSession.Outcome outcome;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            outcome = shell.eval(code);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        addStdout(outputs, stdout.toString(StandardCharsets.UTF_8));
        String errText = withoutLogNoise(stderr.toString(StandardCharsets.UTF_8));
        if (!errText.isEmpty()) {
            outputs.add(stream("stderr", errText));
        }
        if (outcome.failure() != null) {
            ObjectNode err = outputs.addObject();
            err.put("output_type", "error");
            err.put("ename", "CellError");
            err.put("evalue", outcome.failure());
            err.putArray("traceback").add(outcome.failure());
        } else if (outcome.value() != null) {
            ObjectNode result = outputs.addObject();
            result.put("output_type", "execute_result");
            result.put("execution_count", count);
            result.putObject("data").set("text/plain", lines(outcome.value()));
            result.putObject("metadata");
        }
        return outcome.failure();
    }

    /**
     * Standard error without the log records a notebook reader does not need: SLF4J simple-logger records below
     * WARN (the trainer's per-epoch INFO lines, DJL's engine start-up), and DJL's GPU probe warning, which
     * machines with CUDA libraries but no driver print on every engine start. Other text, WARN and ERROR
     * records (for example InfLoRA's basis warning) are kept. The level cannot be lowered in the session
     * itself: the simple logger fixes each logger's level when it is created, possibly before the notebook ran.
     *
     * @param stderr a cell's captured standard error
     * @return the text to show
     */
    static String withoutLogNoise(String stderr) {
        StringBuilder kept = new StringBuilder();
        for (String line : stderr.split("(?<=\n)")) {
            if (!LOG_NOISE.matcher(line).lookingAt()) {
                kept.append(line);
            }
        }
        return kept.toString();
    }

    /** Splits stdout at Display's markers into stream and image outputs, keeping their order. */
    private static void addStdout(ArrayNode outputs, String text) {
        StringBuilder pending = new StringBuilder();
        for (String line : text.split("(?<=\n)")) {
            if (line.startsWith(Display.MARKER)) {
                if (pending.length() > 0) {
                    outputs.add(stream("stdout", pending.toString()));
                    pending.setLength(0);
                }
                Path png = Path.of(line.substring(Display.MARKER.length()).strip());
                ObjectNode d = outputs.addObject();
                d.put("output_type", "display_data");
                ObjectNode data = d.putObject("data");
                try {
                    data.put("image/png", Base64.getEncoder().encodeToString(Files.readAllBytes(png)));
                } catch (IOException e) {
                    throw new IllegalStateException("displayed image vanished: " + png, e);
                }
                data.put("text/plain", "<image " + png.getFileName() + ">");
                d.putObject("metadata");
            } else {
                pending.append(line);
            }
        }
        if (pending.length() > 0) {
            outputs.add(stream("stdout", pending.toString()));
        }
    }

    private static ObjectNode stream(String name, String text) {
        ObjectNode o = JSON.createObjectNode();
        o.put("output_type", "stream");
        o.put("name", name);
        o.set("text", lines(text));
        return o;
    }

    private static ArrayNode lines(String text) {
        ArrayNode a = JSON.createArrayNode();
        for (String l : text.split("(?<=\n)")) {
            if (!l.isEmpty()) {
                a.add(l);
            }
        }
        return a;
    }
}
