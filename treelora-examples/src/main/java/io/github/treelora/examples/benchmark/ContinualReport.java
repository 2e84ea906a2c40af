package io.github.treelora.examples.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.examples.report.Charts;
import io.github.treelora.examples.report.TreeDiagram;
import io.github.treelora.examples.runtime.RunDirectory;
import io.github.treelora.tree.TaskTree;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outputs of a continual-learning benchmark job (split-mnist, split-fashion-mnist, split-wordnet): a console table, {@value #JSON_FILE} (setup, every run with its accuracy
 * matrix and metrics, per-strategy summaries, and the trainer's full results when given) and {@value
 * #MARKDOWN_FILE} (table, mean accuracy matrices with their pictures, setup, notes). Pictures per strategy: {@code
 * heatmap-<strategy>.png} (mean accuracy matrix) and {@code curves-<strategy>.png} (accuracy per task over the
 * training sequence); for TreeLoRA runs also the final task tree ({@code tree-<strategy>.json/.txt/.dot}, and
 * {@code .png} where Graphviz is installed). Accuracies are fractions in the JSON and percentages in the text
 * outputs.
 */
public final class ContinualReport {
    /** Name of the JSON results file. */
    public static final String JSON_FILE = "results.json";

    /** Name of the markdown report. */
    public static final String MARKDOWN_FILE = "report.md";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ReportSetup setup;
    private final List<RunRecord> runs;
    private final List<StrategySummary> summaries;
    private final List<JsonNode> fullResults;
    private final List<String> notes;
    private final Map<String, TaskTree> trees;

    /**
     * Builds a report.
     *
     * @param setup how the job ran
     * @param runs every run, in execution order (strategies in the order of their first run)
     * @param fullResults the trainer's results as JSON (for example {@code ContinualResult.toJson()}), may be empty
     * @param extraNotes notes from the job, added after the automatic ones
     */
    public ContinualReport(ReportSetup setup, List<RunRecord> runs, List<JsonNode> fullResults,
            List<String> extraNotes) {
        this(setup, runs, fullResults, extraNotes, Map.of());
    }

    /**
     * Builds a report with TreeLoRA task trees.
     *
     * @param setup how the job ran
     * @param runs every run, in execution order (strategies in the order of their first run)
     * @param fullResults the trainer's results as JSON (for example {@code ContinualResult.toJson()}), may be empty
     * @param extraNotes notes from the job, added after the automatic ones
     * @param trees the final task tree by strategy name (one run per strategy, e.g. the first seed's), may be empty
     * @throws IllegalArgumentException if there is no run, or a tree belongs to a strategy without runs
     */
    public ContinualReport(ReportSetup setup, List<RunRecord> runs, List<JsonNode> fullResults,
            List<String> extraNotes, Map<String, TaskTree> trees) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one run");
        }
        this.setup = setup;
        this.runs = List.copyOf(runs);
        Map<String, List<RunRecord>> byStrategy = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            byStrategy.computeIfAbsent(r.strategy(), k -> new ArrayList<>()).add(r);
        }
        List<StrategySummary> s = new ArrayList<>();
        byStrategy.forEach((name, list) -> s.add(StrategySummary.of(name, list)));
        this.summaries = List.copyOf(s);
        this.fullResults = List.copyOf(fullResults);
        List<String> n = new ArrayList<>(automaticNotes());
        n.addAll(extraNotes);
        this.notes = List.copyOf(n);
        for (String name : trees.keySet()) {
            if (!byStrategy.containsKey(name)) {
                throw new IllegalArgumentException("a task tree is given for strategy '" + name + "', which has no run; "
                        + "strategies: " + byStrategy.keySet());
            }
        }
        this.trees = new LinkedHashMap<>(trees);
    }

    /**
     * File-name form of a strategy name: lower case, runs of other characters than letters and digits as one
     * {@code -}.
     *
     * @param strategy strategy name
     * @return e.g. {@code treelora-paper} for {@code TreeLoRA-PAPER}
     */
    public static String slug(String strategy) {
        return strategy.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    /**
     * The per-strategy summaries, in the order strategies first ran.
     *
     * @return summaries
     */
    public List<StrategySummary> summaries() {
        return summaries;
    }

    /**
     * The notes of the report (automatic, then the job's).
     *
     * @return notes
     */
    public List<String> notes() {
        return notes;
    }

    private List<String> automaticNotes() {
        List<String> n = new ArrayList<>();
        if (setup.quick()) {
            n.add("Quick smoke run (--quick): tiny subsets and 1 epoch; the numbers only show that the pipeline "
                    + "works and say nothing about the methods.");
        }
        if (setup.wallSeconds() > ReportSetup.TARGET_SECONDS) {
            n.add(String.format(Locale.ROOT, "Target missed: the job took %.0f s, over the %.0f s budget "
                    + "(10 minutes on 2 cores).", setup.wallSeconds(), ReportSetup.TARGET_SECONDS));
        }
        StrategySummary seq = find("SeqLoRA");
        for (StrategySummary s : summaries) {
            if (seq != null && s != seq && s.acc().mean() <= seq.acc().mean()) {
                n.add(String.format(Locale.ROOT, "%s does not beat SeqLoRA here (ACC %.2f%% vs %.2f%%).",
                        s.strategy(), 100 * s.acc().mean(), 100 * seq.acc().mean()));
            }
        }
        if (setup.seeds().size() == 1) {
            n.add("One seed only: no spread is measured (± 0.00 means a single run).");
        }
        return n;
    }

    private StrategySummary find(String name) {
        for (StrategySummary s : summaries) {
            if (s.strategy().equalsIgnoreCase(name)) {
                return s;
            }
        }
        return null;
    }

    /**
     * The console table: strategy, ACC, BWT, forgetting (percent, mean ± std over seeds), training time and
     * throughput.
     *
     * @return the table, one line per strategy after a header
     */
    public String consoleTable() {
        StringBuilder b = new StringBuilder();
        String fmt = "%-20s %16s %16s %16s %14s %10s%n";
        b.append(String.format(Locale.ROOT, fmt, "strategy", "ACC %", "BWT %", "forgetting %", "train time s",
                "samples/s"));
        for (StrategySummary s : summaries) {
            b.append(String.format(Locale.ROOT, fmt, s.strategy(), pct(s.acc()), pct(s.bwt()), pct(s.forgetting()),
                    num(s.trainSeconds(), 1), String.format(Locale.ROOT, "%.0f", s.samplesPerSecond().mean())));
        }
        return b.toString();
    }

    /**
     * The markdown report.
     *
     * @return markdown text
     */
    public String markdown() {
        return markdown(TreeDiagram.dotAvailable());
    }

    private String markdown(boolean dotAvailable) {
        StringBuilder b = new StringBuilder();
        int tasks = runs.get(0).accuracy().length;
        b.append("# ").append(setup.title()).append("\n\n");
        b.append(String.format(Locale.ROOT, "Measured %s on %s; the whole job took %.1f s.%n%n", setup.date(),
                setup.machine(), setup.wallSeconds()));
        b.append(String.format(Locale.ROOT, "%d tasks of %s, class-incremental, evaluated on the %s. "
                + "Mean ± sample standard deviation over %d seed(s) %s.%n%n", tasks, setup.taskDescription(),
                setup.evaluationSplit(),
                setup.seeds().size(), setup.seeds()));
        b.append("| strategy | ACC % | BWT % | forgetting % | train time s | samples/s | epochs/task | lr |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (StrategySummary s : summaries) {
            Budget budget = setup.budgets().get(s.strategy());
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.0f | %s | %s |%n", s.strategy(),
                    pct(s.acc()), pct(s.bwt()), pct(s.forgetting()), num(s.trainSeconds(), 1),
                    s.samplesPerSecond().mean(), budget == null ? "" : budget.epochs(),
                    budget == null ? "" : budget.learningRate()));
        }
        b.append("\nACC = mean over tasks of the accuracy after the last task; BWT = mean of (accuracy right after "
                + "learning a task - accuracy at the end), positive means forgetting; forgetting = mean over "
                + "all but the last task of (best earlier accuracy - final accuracy). Definitions: "
                + "docs/algorithm.md, treelora-core `metrics`. Train time = all tasks' training, each strategy's "
                + "own work before and after a task's epochs included (InfLoRA's representation passes and "
                + "decompositions, TreeLoRA's tree rebuild); evaluation excluded.\n\n");
        b.append("## Accuracy matrices\n\n");
        b.append("Mean R[i][j] in %: accuracy on task i (row) after training task j (column).\n\n");
        for (StrategySummary s : summaries) {
            b.append("### ").append(s.strategy()).append("\n\n");
            b.append("| task |");
            for (int j = 0; j < tasks; j++) {
                b.append(" after ").append(j).append(" |");
            }
            b.append("\n| --- |");
            for (int j = 0; j < tasks; j++) {
                b.append(" --- |");
            }
            b.append('\n');
            double[][] m = s.meanAccuracy();
            for (int i = 0; i < tasks; i++) {
                b.append("| ").append(i).append(" |");
                for (int j = 0; j < tasks; j++) {
                    b.append(j < i ? " " : String.format(Locale.ROOT, " %.1f", 100 * m[i][j])).append(" |");
                }
                b.append('\n');
            }
            b.append('\n');
            String slug = slug(s.strategy());
            b.append(String.format(Locale.ROOT, "![%s accuracy matrix](heatmap-%s.png) ![%s accuracy per task]"
                    + "(curves-%s.png)%n%n", s.strategy(), slug, s.strategy(), slug));
            TaskTree tree = trees.get(s.strategy());
            if (tree != null) {
                b.append("Final task tree (seed ").append(runs.stream().filter(r -> r.strategy().equals(s.strategy()))
                        .findFirst().orElseThrow().seed()).append("; tree-").append(slug).append(".json, .dot):\n\n");
                if (dotAvailable) {
                    b.append(String.format(Locale.ROOT, "![%s task tree](tree-%s.png)%n%n", s.strategy(), slug));
                } else {
                    b.append("```\n").append(tree.toText()).append("```\n\n");
                }
            }
        }
        b.append("## Setup\n\n");
        b.append("- Backbone: ").append(setup.backbone()).append('\n');
        b.append(String.format(Locale.ROOT, "- Data: %s; %d training and %d evaluation samples per task "
                + "(class-balanced seeded subsets).%n", setup.data(), setup.trainPerTask(), setup.testPerTask()));
        b.append("- Epochs per task and learning rate: ").append(setup.budgets()).append('\n');
        for (Map.Entry<String, Object> e : setup.settings().entrySet()) {
            b.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        b.append("- Command: `").append(setup.command()).append("`\n\n");
        b.append("## Notes\n\n");
        for (String note : notes) {
            b.append("- ").append(note).append('\n');
        }
        return b.toString();
    }

    /**
     * The JSON document: {@code setup}, {@code summary} (per strategy), {@code runs} (every run with its matrix
     * and metrics), {@code results} (the trainer's full results), {@code trees} (final task tree by strategy, as
     * {@link TaskTree#toJson()}), {@code notes}.
     *
     * @return the JSON tree
     */
    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.set("setup", JSON.valueToTree(setup));
        ArrayNode summary = root.putArray("summary");
        for (StrategySummary s : summaries) {
            summary.add(JSON.valueToTree(s));
        }
        ArrayNode runNodes = root.putArray("runs");
        for (RunRecord r : runs) {
            runNodes.add(JSON.valueToTree(r));
        }
        ArrayNode full = root.putArray("results");
        fullResults.forEach(full::add);
        ObjectNode treeNodes = root.putObject("trees");
        trees.forEach((name, tree) -> treeNodes.set(name, tree.toJson()));
        ArrayNode noteNodes = root.putArray("notes");
        notes.forEach(noteNodes::add);
        return root;
    }

    /**
     * What a benchmark command ends with: {@link #write} into {@code dir}, then the console table, one line naming
     * the job, its run count, wall time and the files written, and the notes.
     *
     * @param dir the output directory
     * @param job the command name
     * @param out the console
     * @throws IOException as {@link #write}
     */
    public void publish(Path dir, String job, PrintWriter out) throws IOException {
        write(dir);
        summarize(dir, job, out);
    }

    /**
     * {@link #publish(Path, String, PrintWriter)} for a run directory: writes into its work directory, swaps that in
     * as the output ({@link RunDirectory#commit()}), then prints the summary naming the output.
     *
     * @param run the run directory
     * @param job the command name
     * @param out the console
     * @throws IOException as {@link #write}, or if the swap fails (the output then keeps its previous content)
     */
    public void publish(RunDirectory run, String job, PrintWriter out) throws IOException {
        write(run.work());
        run.commit();
        summarize(run.output(), job, out);
    }

    private void summarize(Path dir, String job, PrintWriter out) {
        out.println();
        out.print(consoleTable());
        out.printf(Locale.ROOT, "%n%s: %d runs in %.1f s; wrote %s and %s%n", job, runs.size(), setup.wallSeconds(),
                dir.resolve(JSON_FILE).toAbsolutePath(), dir.resolve(MARKDOWN_FILE).toAbsolutePath());
        for (String note : notes) {
            out.println("note: " + note);
        }
        out.flush();
    }

    /**
     * Writes {@value #JSON_FILE}, {@value #MARKDOWN_FILE} and the pictures into {@code dir} (created if needed).
     *
     * @param dir the output directory
     * @throws IOException if a file cannot be written or Graphviz fails on a tree
     */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(JSON_FILE), JSON.writeValueAsString(json()));
        boolean dotAvailable = false;
        for (StrategySummary s : summaries) {
            String slug = slug(s.strategy());
            Charts.accuracyHeatmap(s.meanAccuracy(), s.strategy() + ": accuracy % (mean over seeds)",
                    dir.resolve("heatmap-" + slug + ".png"));
            Charts.accuracyCurves(s.meanAccuracy(), s.strategy() + ": accuracy per task (mean over seeds)",
                    dir.resolve("curves-" + slug + ".png"));
            TaskTree tree = trees.get(s.strategy());
            if (tree != null) {
                dotAvailable |= TreeDiagram.write(tree, dir, "tree-" + slug).png().isPresent();
            }
        }
        Files.writeString(dir.resolve(MARKDOWN_FILE), markdown(dotAvailable));
    }

    private static String pct(StrategySummary.Stat s) {
        return String.format(Locale.ROOT, "%.2f ± %.2f", 100 * s.mean(), 100 * s.std());
    }

    private static String num(StrategySummary.Stat s, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f ± %." + decimals + "f", s.mean(), s.std());
    }
}
