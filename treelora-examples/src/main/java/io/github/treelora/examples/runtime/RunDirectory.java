package io.github.treelora.examples.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.io.AtomicDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The output directory of a command that writes, and the rules every such command follows:
 * <ul>
 *   <li>{@link #outputProblem} checks the path before any work: not a file, creatable, in a writable parent, and not
 *       holding anything unless {@code --overwrite} is given;</li>
 *   <li>a run is written into a hidden sibling work directory {@code .<name>.partial} and swapped in as a whole by
 *       {@link #commit()} ({@link AtomicDirectory#replaceWith}): whenever the process is killed, the output holds
 *       the previous content or the complete new run, never a mix;</li>
 *   <li>the work directory records the command's options in {@value #ARGS_FILE} and the trainer's checkpoints, so
 *       {@code --resume} continues a killed run from its last finished task, after checking that the options are the
 *       same (a difference is refused, naming the option).</li>
 * </ul>
 * Commands that cannot resume (pretraining) use {@link #outputProblem} and {@link AtomicDirectory#replace} only.
 */
public final class RunDirectory {

    /** The file of a run directory that records the command and its options. */
    public static final String ARGS_FILE = "args.json";

    /** Help text of {@code --overwrite}. */
    public static final String OVERWRITE_HELP = "Replace the output directory if it is not empty. The new output "
            + "replaces it as a whole once it is complete; until then the old content stays as it was.";

    /** Help text of {@code --resume}. */
    public static final String RESUME_HELP = "Continue the run in --output that was interrupted (killed) from its "
            + "last finished task; the options must be those of that run (a difference is refused, naming it).";

    /**
     * Options that do not change a run's results, left out of {@value #ARGS_FILE}: where it is written and read
     * from, how it starts, and what is printed.
     */
    static final Set<String> NOT_RECORDED = Set.of("--output", "--resume", "--overwrite", "--data", "--verbose",
            "--help", "--version");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String WORK_SUFFIX = ".partial";

    private final Path output;
    private final Path work;
    private final boolean resumed;
    private final boolean finished;

    private RunDirectory(Path output, Path work, boolean resumed, boolean finished) {
        this.output = output;
        this.work = work;
        this.resumed = resumed;
        this.finished = finished;
    }

    /**
     * What is wrong with an output path, checked before any work: it exists and is not a directory, it cannot be
     * created (a file on its path) or written (the parent directory, where the new content is prepared, is not
     * writable), it is or holds the current directory, or it is a directory with content and {@code overwrite} is
     * false. An existing empty directory is fine.
     *
     * @param output the path as given
     * @param overwrite whether {@code --overwrite} was given
     * @return null when the path can be written, else the reason, starting with {@code --output <path>}
     */
    public static String outputProblem(Path output, boolean overwrite) {
        String named = "--output " + output;
        Path abs = output.toAbsolutePath().normalize();
        if (abs.getParent() == null) {
            return named + " is the file-system root; choose a directory of its own";
        }
        if (Path.of("").toAbsolutePath().normalize().startsWith(abs)) {
            return named + " is or holds the current directory; choose a directory of its own";
        }
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            return named + " exists and is not a directory";
        }
        Path existing = abs.getParent();
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (!Files.isDirectory(existing)) {
            return named + " cannot be created: " + existing + " is a file";
        }
        if (!Files.isWritable(existing)) {
            return named + " cannot be written: " + existing + " is not writable (the output is prepared next to it)";
        }
        if (!overwrite && Files.isDirectory(abs)) {
            List<String> entries = entries(abs);
            if (!entries.isEmpty()) {
                return named + " is not empty (it holds " + describe(entries) + "); pass --overwrite to replace it "
                        + "(as a whole, once the new output is complete), or choose another directory";
            }
        }
        return null;
    }

    /**
     * Prepares the run of a command: checks {@code output}, then either continues an interrupted run ({@code
     * resume}) or starts a new work directory holding {@value #ARGS_FILE}. Prints a message and returns null when
     * the command must stop with an error: a bad output path, {@code --resume} together with {@code --overwrite},
     * an interrupted run of the same output that would be lost without either, or a resume whose options differ.
     *
     * @param spec the command (its name and options are recorded)
     * @param output the output directory as given
     * @param overwrite {@code --overwrite}
     * @param resume {@code --resume}
     * @param out where progress notes go
     * @param err where errors go
     * @return the run, or null after an error message
     * @throws IOException if the work directory cannot be prepared
     */
    public static RunDirectory open(CommandSpec spec, Path output, boolean overwrite, boolean resume,
            PrintWriter out, PrintWriter err) throws IOException {
        String job = spec.name();
        if (resume && overwrite) {
            return error(err, job, "--resume and --overwrite exclude each other: --resume continues the run in "
                    + output + ", --overwrite starts a new one");
        }
        String problem = outputProblem(output, overwrite || resume);
        if (problem != null) {
            return error(err, job, problem);
        }
        Path abs = output.toAbsolutePath().normalize();
        Path work = abs.resolveSibling("." + abs.getFileName() + WORK_SUFFIX);
        AtomicDirectory.recover(abs);
        ObjectNode args = args(spec);
        if (resume) {
            if (Files.isRegularFile(work.resolve(ARGS_FILE))) {
                String difference = difference(job, work, args);
                if (difference != null) {
                    return error(err, job, difference);
                }
                out.println(job + ": resuming the interrupted run of " + abs + " (work directory " + work + ")");
                out.flush();
                return new RunDirectory(abs, work, true, false);
            }
            if (!Files.isDirectory(work) && Files.isDirectory(abs) && !entries(abs).isEmpty()) {
                if (!Files.isRegularFile(abs.resolve(ARGS_FILE))) {
                    return error(err, job, "--resume: " + abs + " holds no run of this command (no " + ARGS_FILE
                            + ") and no interrupted run is next to it");
                }
                String difference = difference(job, abs, args);
                if (difference != null) {
                    return error(err, job, difference);
                }
                out.println(job + ": " + abs + " already holds the finished run with these options; nothing to "
                        + "resume");
                out.flush();
                return new RunDirectory(abs, work, true, true);
            }
            out.println(job + ": no interrupted run of " + abs + " to resume; starting a new one");
            out.flush();
        } else if (Files.exists(work)) {
            if (!overwrite) {
                return error(err, job, "an interrupted run of " + abs + " is in " + work + "; pass --resume to "
                        + "continue it or --overwrite to start over");
            }
            AtomicDirectory.deleteRecursively(work);
        }
        Files.createDirectories(work);
        Files.writeString(work.resolve(ARGS_FILE), JSON.writeValueAsString(args));
        return new RunDirectory(abs, work, false, false);
    }

    /**
     * The output directory (absolute). It holds the previous content, or nothing, until {@link #commit()}.
     *
     * @return the path
     */
    public Path output() {
        return output;
    }

    /**
     * The work directory ({@code .<name>.partial} next to the output) the run writes into.
     *
     * @return the path
     */
    public Path work() {
        return work;
    }

    /**
     * The directory for the trainer's checkpoints, inside the work directory (and so in the output after the
     * commit).
     *
     * @return {@code <work>/checkpoints}
     */
    public Path checkpoints() {
        return work.resolve("checkpoints");
    }

    /**
     * Whether this continues an earlier run.
     *
     * @return true with {@code --resume} when a run was found
     */
    public boolean resumed() {
        return resumed;
    }

    /**
     * Whether the output already holds the finished run ({@code --resume} of a complete run): nothing to do.
     *
     * @return true when the command should stop successfully
     */
    public boolean finished() {
        return finished;
    }

    /**
     * Swaps the complete work directory in as the output, replacing what was there as a whole.
     *
     * @throws IOException if the renames fail; the output then keeps its previous content
     */
    public void commit() throws IOException {
        AtomicDirectory.replaceWith(output, work);
    }

    /**
     * A trainer result's JSON ({@code ContinualResult#toJson()}) with its checkpoint directory relative to {@code base}
     * when it lies inside it: the work directory's absolute path means nothing once the run is swapped in as the
     * output, the relative one stays valid there.
     *
     * @param resultJson the result's JSON text
     * @param base the directory the path becomes relative to, e.g. {@link #work()}
     * @return the JSON tree
     * @throws IOException if the text is not JSON
     */
    public static JsonNode relativeCheckpoint(String resultJson, Path base) throws IOException {
        JsonNode root = JSON.readTree(resultJson);
        if (root.path("trainerSettings") instanceof ObjectNode settings && settings.path("checkpointDir").isTextual()) {
            Path dir = Path.of(settings.get("checkpointDir").asText());
            Path abs = base.toAbsolutePath().normalize();
            if (dir.isAbsolute() && dir.normalize().startsWith(abs)) {
                settings.put("checkpointDir", abs.relativize(dir.normalize()).toString());
            }
        }
        return root;
    }

    /**
     * Writes a trainer result's JSON into the work directory, its checkpoint directory relative to the run
     * ({@link #relativeCheckpoint}).
     *
     * @param resultJson the result's JSON text
     * @param name the file name, e.g. {@code result.json}
     * @throws IOException if writing fails
     */
    public void writeResult(String resultJson, String name) throws IOException {
        Files.writeString(work.resolve(name), JSON.writeValueAsString(relativeCheckpoint(resultJson, work)));
    }

    /** The options that change results, by name, as command-line text; the command's name. */
    static ObjectNode args(CommandSpec spec) {
        Map<String, String> options = new TreeMap<>();
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp() || NOT_RECORDED.contains(o.longestName())) {
                continue;
            }
            options.put(o.longestName(), text(o.getValue()));
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("command", spec.name());
        ObjectNode opts = root.putObject("options");
        options.forEach(opts::put);
        root.put("commandLine", commandLine(spec));
        return root;
    }

    /**
     * The command line a command was run with, for records and reports.
     *
     * @param spec the command, after parsing
     * @return {@code treelora <command> <arguments as given>}
     */
    public static String commandLine(CommandSpec spec) {
        // The parse result's arguments start with the command's name.
        return "treelora " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    /** A value as it would be typed: lists and maps comma-separated, absent values as "(default)". */
    private static String text(Object value) {
        if (value == null) {
            return "(default)";
        }
        if (value instanceof Collection<?> c) {
            return c.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (value instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        }
        return String.valueOf(value);
    }

    /** Null when {@code dir}'s recorded run has these options, else the message naming every difference. */
    private static String difference(String job, Path dir, ObjectNode now) throws IOException {
        JsonNode recorded;
        try {
            recorded = JSON.readTree(dir.resolve(ARGS_FILE).toFile());
        } catch (IOException e) {
            throw new IOException("cannot read " + dir.resolve(ARGS_FILE) + ": " + e.getMessage(), e);
        }
        String command = recorded.path("command").asText();
        if (!command.equals(job)) {
            return "--resume: " + dir.resolve(ARGS_FILE) + " records a run of '" + command + "', not of '" + job + "'";
        }
        JsonNode was = recorded.path("options");
        JsonNode is = now.get("options");
        Set<String> names = new TreeSet<>();
        was.fieldNames().forEachRemaining(names::add);
        is.fieldNames().forEachRemaining(names::add);
        List<String> differences = new ArrayList<>();
        for (String name : names) {
            String before = was.has(name) ? was.get(name).asText() : "(not an option then)";
            String after = is.has(name) ? is.get(name).asText() : "(not an option now)";
            if (!before.equals(after)) {
                differences.add(name + " was " + before + ", now " + after);
            }
        }
        if (differences.isEmpty()) {
            return null;
        }
        return "--resume refused: the run in " + dir + " was started with other options (" + String.join("; ",
                differences) + "); resume with the options recorded in " + dir.resolve(ARGS_FILE) + ", or pass "
                + "--overwrite instead of --resume to start over";
    }

    private static List<String> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of("unreadable entries");
        }
    }

    private static String describe(List<String> entries) {
        StringBuilder b = new StringBuilder();
        Iterator<String> it = entries.iterator();
        for (int i = 0; i < 3 && it.hasNext(); i++) {
            b.append(i == 0 ? "" : ", ").append(it.next());
        }
        if (entries.size() > 3) {
            b.append(" and ").append(entries.size() - 3).append(" more");
        }
        return b.toString();
    }

    private static RunDirectory error(PrintWriter err, String job, String message) {
        err.println(job + ": " + message);
        err.flush();
        return null;
    }
}
