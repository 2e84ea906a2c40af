package io.github.treelora.examples.trace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.examples.benchmark.Budget;
import io.github.treelora.examples.benchmark.ContinualReport;
import io.github.treelora.examples.benchmark.RunRecord;
import io.github.treelora.examples.report.Charts;
import io.github.treelora.io.AtomicDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trace-offline report: per strategy (mean ± sample standard deviation over seeds) OP, BWT as the paper defines
 * it, BWT as the authors' collect script computes it (clipped), the mean score right after learning each task
 * ("just learned"), the final score per task with its metric, the mean score matrices as tables and pictures (the
 * image jobs' heatmap and curves), and the scores of trivial answers ({@link TraceData#trivialScores}) as each task's
 * floor. Written atomically: {@value ContinualReport#JSON_FILE},
 * {@value ContinualReport#MARKDOWN_FILE} and the pictures appear together or not at all.
 */
public final class TraceReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Mean and sample standard deviation. */
    record Stat(double mean, double std) {
        static Stat of(List<Double> v) {
            double m = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = 0;
            for (double x : v) {
                ss += (x - m) * (x - m);
            }
            return new Stat(m, v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0.0);
        }

        String pct() {
            return String.format(Locale.ROOT, "%.2f ± %.2f", 100 * mean, 100 * std);
        }
    }

    /** One strategy's summary over seeds. */
    record Summary(String strategy, Stat op, Stat bwt, Stat bwtClipped, Stat justLearned, Stat trainSeconds,
            List<Stat> finalByTask, List<Stat> justLearnedByTask, double[][] mean) {}

    private final List<String> header;
    private final List<TraceTask> tasks;
    private final List<RunRecord> runs;
    private final Map<String, Budget> budgets;
    private final Map<String, double[]> trivial;
    private final List<Summary> summaries = new ArrayList<>();

    /**
     * Summarises the runs.
     *
     * @param header lines printed above the tables (setup, command, date, machine, decoder, rule)
     * @param tasks the stream (names, metrics)
     * @param runs one record per (seed, strategy)
     * @param budgets epochs and learning rate by strategy display name
     * @param trivial scores of trivial answers per task, by the answer's name (mean over seeds; may be empty)
     */
    public TraceReport(List<String> header, List<TraceTask> tasks, List<RunRecord> runs, Map<String, Budget> budgets,
            Map<String, double[]> trivial) {
        this.header = List.copyOf(header);
        this.tasks = List.copyOf(tasks);
        this.runs = List.copyOf(runs);
        this.budgets = new LinkedHashMap<>(budgets);
        this.trivial = new LinkedHashMap<>(trivial);
        this.trivial.forEach((name, scores) -> {
            if (scores.length != tasks.size()) {
                throw new IllegalArgumentException("trivial answer '" + name + "' has " + scores.length
                        + " task scores for " + tasks.size() + " tasks");
            }
        });
        Map<String, List<RunRecord>> by = new LinkedHashMap<>();
        runs.forEach(r -> by.computeIfAbsent(r.strategy(), k -> new ArrayList<>()).add(r));
        by.forEach((name, rs) -> summaries.add(summarise(name, rs)));
    }

    private static Summary summarise(String name, List<RunRecord> rs) {
        int n = rs.get(0).accuracy().length;
        List<Double> op = new ArrayList<>();
        List<Double> bwt = new ArrayList<>();
        List<Double> clipped = new ArrayList<>();
        List<Double> diag = new ArrayList<>();
        List<Double> train = new ArrayList<>();
        List<List<Double>> fin = new ArrayList<>();
        List<List<Double>> learned = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fin.add(new ArrayList<>());
            learned.add(new ArrayList<>());
        }
        double[][] mean = new double[n][n];
        for (RunRecord r : rs) {
            double[][] a = r.accuracy();
            op.add(r.metrics().accuracy());
            bwt.add(r.metrics().backwardTransfer());
            clipped.add(r.metrics().backwardTransferPublished());
            train.add(r.trainSeconds());
            double d = 0;
            for (int i = 0; i < n; i++) {
                d += a[i][i];
                fin.get(i).add(a[i][n - 1]);
                learned.get(i).add(a[i][i]);
                for (int j = i; j < n; j++) {
                    mean[i][j] += a[i][j] / rs.size();
                }
            }
            diag.add(d / n);
        }
        return new Summary(name, Stat.of(op), Stat.of(bwt), Stat.of(clipped), Stat.of(diag), Stat.of(train),
                fin.stream().map(Stat::of).toList(), learned.stream().map(Stat::of).toList(), mean);
    }

    /**
     * The mean just-learned score of a strategy (mean over seeds of the mean diagonal).
     *
     * @param strategy display name
     * @return the fraction, or NaN if the strategy did not run
     */
    public double justLearned(String strategy) {
        return summaries.stream().filter(s -> s.strategy().equals(strategy)).findFirst()
                .map(s -> s.justLearned().mean()).orElse(Double.NaN);
    }

    /**
     * The mean OP of a strategy.
     *
     * @param strategy display name
     * @return the fraction, or NaN if the strategy did not run
     */
    public double op(String strategy) {
        return summaries.stream().filter(s -> s.strategy().equals(strategy)).findFirst()
                .map(s -> s.op().mean()).orElse(Double.NaN);
    }

    /**
     * The console table.
     *
     * @return text
     */
    public String consoleTable() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-20s %16s %16s %16s %16s%n", "strategy",
                "OP %", "BWT %", "BWT(clipped) %", "just learned %"));
        for (Summary s : summaries) {
            b.append(String.format(Locale.ROOT, "%-20s %16s %16s %16s %16s%n", s.strategy(), s.op().pct(),
                    s.bwt().pct(), s.bwtClipped().pct(), s.justLearned().pct()));
        }
        return b.toString();
    }

    /**
     * The markdown report.
     *
     * @return text
     */
    public String markdown() {
        StringBuilder b = new StringBuilder("# TRACE-like stream on a self-pretrained decoder\n\n");
        header.forEach(h -> b.append(h).append("\n\n"));
        b.append("| strategy | OP % | BWT % (paper) | BWT % (authors' clipped) | just learned % | train time s "
                + "| epochs/task | lr |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Summary s : summaries) {
            Budget bu = budgets.get(s.strategy());
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.1f ± %.1f | %s | %s |%n", s.strategy(),
                    s.op().pct(), s.bwt().pct(), s.bwtClipped().pct(), s.justLearned().pct(), s.trainSeconds().mean(),
                    s.trainSeconds().std(), bu == null ? "" : bu.epochs(), bu == null ? "" : bu.learningRate()));
        }
        b.append("\nOP = mean over tasks of the score after the last task. BWT (paper) = mean of (score right after "
                + "learning a task - final score), positive means forgetting. BWT (authors' clipped) = mean of "
                + "min(final - just learned, 0), as the published collect script computes it (0 or negative). "
                + "Just learned = mean of the scores right after learning each task. Scores are in %, each task's own "
                + "metric.\n\n## Final score per task (score right after learning it in brackets)\n\n| strategy |");
        for (TraceTask t : tasks) {
            b.append(' ').append(t.name()).append(" (").append(t.metric().label()).append(") |");
        }
        b.append("\n| --- |");
        tasks.forEach(t -> b.append(" --- |"));
        b.append('\n');
        for (Summary s : summaries) {
            b.append("| ").append(s.strategy()).append(" |");
            for (int i = 0; i < tasks.size(); i++) {
                b.append(String.format(Locale.ROOT, " %.1f (%.1f) |", 100 * s.finalByTask().get(i).mean(),
                        100 * s.justLearnedByTask().get(i).mean()));
            }
            b.append('\n');
        }
        trivial.forEach((name, scores) -> {
            b.append("| *trivial: ").append(name).append("* |");
            for (double v : scores) {
                b.append(String.format(Locale.ROOT, " %.1f |", 100 * v));
            }
            b.append('\n');
        });
        if (!trivial.isEmpty()) {
            b.append("\nTrivial rows: the score of an answer that needs no learning, the floor to read each task's "
                    + "score against.\n");
        }
        b.append("\n## Score matrices\n\nMean R[i][j] in %: score on task i (row) after training task j (column).\n\n");
        for (Summary s : summaries) {
            b.append("### ").append(s.strategy()).append("\n\n| task |");
            for (int j = 0; j < tasks.size(); j++) {
                b.append(" after ").append(j).append(" |");
            }
            b.append("\n| --- |");
            tasks.forEach(t -> b.append(" --- |"));
            b.append('\n');
            for (int i = 0; i < tasks.size(); i++) {
                b.append("| ").append(i).append(' ').append(tasks.get(i).name()).append(" |");
                for (int j = 0; j < tasks.size(); j++) {
                    b.append(j < i ? " " : String.format(Locale.ROOT, " %.1f", 100 * s.mean()[i][j])).append(" |");
                }
                b.append('\n');
            }
            String slug = ContinualReport.slug(s.strategy());
            b.append(String.format(Locale.ROOT, "%n![%s score matrix](heatmap-%s.png) ![%s score per task]"
                    + "(curves-%s.png)%n%n", s.strategy(), slug, s.strategy(), slug));
        }
        return b.toString();
    }

    /**
     * The JSON document: setup lines, tasks, budgets, summaries and every run's matrix.
     *
     * @return the tree
     */
    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode h = root.putArray("setup");
        header.forEach(h::add);
        ArrayNode ts = root.putArray("tasks");
        for (TraceTask t : tasks) {
            ts.addObject().put("name", t.name()).put("kind", t.kind()).put("metric", t.metric().label());
        }
        ArrayNode ss = root.putArray("summaries");
        for (Summary s : summaries) {
            ObjectNode o = ss.addObject().put("strategy", s.strategy());
            o.put("op", s.op().mean()).put("op_std", s.op().std()).put("bwt", s.bwt().mean())
                    .put("bwt_std", s.bwt().std()).put("bwt_clipped", s.bwtClipped().mean())
                    .put("bwt_clipped_std", s.bwtClipped().std()).put("just_learned", s.justLearned().mean())
                    .put("just_learned_std", s.justLearned().std()).put("train_seconds", s.trainSeconds().mean());
            Budget bu = budgets.get(s.strategy());
            if (bu != null) {
                o.put("epochs", bu.epochs()).put("lr", bu.learningRate());
            }
        }
        ObjectNode tr = root.putObject("trivial");
        trivial.forEach((name, scores) -> {
            ArrayNode a = tr.putArray(name);
            for (double v : scores) {
                a.add(v);
            }
        });
        ArrayNode rs = root.putArray("runs");
        for (RunRecord r : runs) {
            ObjectNode o = rs.addObject().put("strategy", r.strategy()).put("seed", r.seed())
                    .put("train_seconds", r.trainSeconds());
            o.set("scores", JSON.valueToTree(r.accuracyRows()));
        }
        return root;
    }

    /**
     * Writes the report into {@code dir}, replacing it atomically.
     *
     * @param dir the output directory
     * @throws IOException if writing fails (the previous content then stays)
     */
    public void write(Path dir) throws IOException {
        AtomicDirectory.replace(dir, tmp -> {
            Files.writeString(tmp.resolve(ContinualReport.JSON_FILE), JSON.writeValueAsString(json()));
            Files.writeString(tmp.resolve(ContinualReport.MARKDOWN_FILE), markdown());
            for (Summary s : summaries) {
                String slug = ContinualReport.slug(s.strategy());
                Charts.accuracyHeatmap(s.mean(), s.strategy() + ": score % (mean over seeds)",
                        tmp.resolve("heatmap-" + slug + ".png"));
                Charts.accuracyCurves(s.mean(), s.strategy() + ": score per task (mean over seeds)",
                        tmp.resolve("curves-" + slug + ".png"));
            }
        });
    }
}
