package io.github.treelora.examples.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.treelora.tree.TaskTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The TreeLoRA task tree as a picture: Graphviz DOT text built from the tree's JSON form ({@link TaskTree#toJson()}:
 * nodes {@code {"depth", "tasks", "threshold", "left", "right"}}, leaves {@code {"depth", "tasks", "leaf": true}}),
 * rendered to PNG by the {@code dot} program (Debian package {@code graphviz}) when it is on the PATH. Without
 * {@code dot} the plain-text rendering ({@link TaskTree#toText()}) is the fallback.
 */
public final class TreeDiagram {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final long DOT_TIMEOUT_SECONDS = 30;

    /**
     * The files {@link #write} produced.
     *
     * @param json the tree as JSON
     * @param text the plain-text rendering
     * @param dot the Graphviz DOT source
     * @param png the picture, empty when {@code dot} is not installed
     */
    public record Written(Path json, Path text, Path dot, Optional<Path> png) {}

    private TreeDiagram() {}

    /**
     * DOT source of a tree in its JSON form: inner nodes are ellipses labelled with their tasks, depth (= the
     * adapted layer that splits them) and threshold; leaves are boxes labelled with their tasks; edges say which
     * side of the threshold (PAPER preset: left = L1 distance to the layer mean &lt;= threshold).
     *
     * @param tree the tree as {@link TaskTree#toJson()} writes it
     * @return DOT text (a {@code digraph})
     * @throws IllegalArgumentException if a node lacks {@code depth} or {@code tasks}, or an inner node lacks a child
     */
    public static String dot(JsonNode tree) {
        StringBuilder b = new StringBuilder();
        b.append("digraph tasktree {\n");
        b.append("  node [fontname=\"DejaVu Sans\", fontsize=11];\n");
        b.append("  edge [fontname=\"DejaVu Sans\", fontsize=9];\n");
        appendNode(tree, "root", new int[] {0}, b);
        b.append("}\n");
        return b.toString();
    }

    /**
     * DOT source of a tree.
     *
     * @param tree the tree
     * @return DOT text
     */
    public static String dot(TaskTree tree) {
        return dot(tree.toJson());
    }

    private static String appendNode(JsonNode n, String where, int[] counter, StringBuilder b) {
        if (n == null || !n.isObject() || !n.has("depth") || !n.path("tasks").isArray()) {
            throw new IllegalArgumentException("tree node at " + where + " must be an object with \"depth\" and "
                    + "\"tasks\", got " + n);
        }
        String id = "n" + counter[0]++;
        List<String> tasks = new ArrayList<>();
        n.get("tasks").forEach(t -> tasks.add(t.asText()));
        String taskList = "tasks " + String.join(", ", tasks);
        if (n.path("leaf").asBoolean(false)) {
            b.append(String.format(Locale.ROOT, "  %s [shape=box, style=\"rounded,filled\", fillcolor=\"#d9f0d3\", "
                    + "label=\"%s\"];%n", id, taskList));
            return id;
        }
        if (!n.has("left") || !n.has("right")) {
            throw new IllegalArgumentException("inner tree node at " + where + " needs \"left\" and \"right\"");
        }
        b.append(String.format(Locale.ROOT, "  %s [shape=ellipse, style=filled, fillcolor=\"#e7e1ef\", "
                + "label=\"%s\\nlayer %d, threshold %.4g\"];%n", id, taskList, n.get("depth").asInt(),
                n.path("threshold").asDouble(Double.NaN)));
        String left = appendNode(n.get("left"), where + ".left", counter, b);
        String right = appendNode(n.get("right"), where + ".right", counter, b);
        b.append(String.format(Locale.ROOT, "  %s -> %s [label=\"left\"];%n  %s -> %s [label=\"right\"];%n", id, left,
                id, right));
        return id;
    }

    /**
     * Whether the Graphviz {@code dot} program can be run.
     *
     * @return true when {@code dot -V} runs and exits with 0
     */
    public static boolean dotAvailable() {
        try {
            Process p = new ProcessBuilder("dot", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(DOT_TIMEOUT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Renders DOT text to a PNG with the {@code dot} program.
     *
     * @param dotSource DOT text
     * @param png output file (its directory is created if needed)
     * @return the file, or empty when {@code dot} is not installed (nothing is written then)
     * @throws IOException if {@code dot} runs but fails (its message is included) or times out
     */
    public static Optional<Path> renderPng(String dotSource, Path png) throws IOException {
        if (!dotAvailable()) {
            return Optional.empty();
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Process p = new ProcessBuilder("dot", "-Tpng", "-Gdpi=96", "-o", png.toString()).redirectErrorStream(true)
                .start();
        try (var in = p.getOutputStream()) {
            in.write(dotSource.getBytes(StandardCharsets.UTF_8));
        }
        String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(DOT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("dot did not finish within " + DOT_TIMEOUT_SECONDS + " s rendering " + png);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while dot rendered " + png, e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("dot failed (exit " + p.exitValue() + ") rendering " + png + ": " + messages.strip());
        }
        return Optional.of(png);
    }

    /**
     * Writes {@code <base>.json}, {@code <base>.txt} (plain text), {@code <base>.dot} and, when {@code dot} is
     * installed, {@code <base>.png} into {@code dir}.
     *
     * @param tree the tree
     * @param dir output directory (created if needed)
     * @param base file name without extension
     * @return the written files
     * @throws IOException if a file cannot be written or {@code dot} fails
     */
    public static Written write(TaskTree tree, Path dir, String base) throws IOException {
        Files.createDirectories(dir);
        Path json = Files.writeString(dir.resolve(base + ".json"), JSON.writeValueAsString(tree.toJson()));
        Path text = Files.writeString(dir.resolve(base + ".txt"), tree.toText());
        String source = dot(tree);
        Path dotFile = Files.writeString(dir.resolve(base + ".dot"), source);
        return new Written(json, text, dotFile, renderPng(source, dir.resolve(base + ".png")));
    }
}
