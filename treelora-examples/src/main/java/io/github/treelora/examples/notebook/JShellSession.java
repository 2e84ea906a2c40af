package io.github.treelora.examples.notebook;

import java.io.File;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * One JShell session that runs notebook cells in this JVM ({@code local} execution, so the snippets share the
 * JVM's classes and the DJL engine starts once) with every entry of this JVM's class path: the engine of the Jupyter
 * kernel ({@link NotebookKernel}).
 */
final class JShellSession implements AutoCloseable {

    /**
     * What a cell did.
     *
     * @param value the text of the cell's last expression value (not for images), or null
     * @param failure the failure message (compile error, unresolved symbol, exception with its stack), or null
     */
    record Outcome(String value, String failure) {}

    private final JShell shell;
    /** Set by {@link #stop}; JShell itself reports a stopped snippet like a finished one. */
    private volatile boolean stopRequested;

    /** Opens a session with this JVM's class path. */
    JShellSession() {
        shell = JShell.builder().executionEngine("local").build();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                shell.addToClasspath(entry);
            }
        }
    }

    /**
     * Runs a cell: cuts it into snippets with {@link SourceCodeAnalysis#analyzeCompletion} and evaluates them in
     * order, stopping at the first failure. Lines starting with {@code %} (kernel magics such as {@code %maven})
     * are skipped: the class path is the project's.
     *
     * @param cell the cell's source
     * @return the outcome
     */
    Outcome eval(String cell) {
        stopRequested = false;
        String rest = withoutMagics(cell);
        String lastValue = null;
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            if (!info.completeness().isComplete()) {
                return new Outcome(null, "incomplete code (" + info.completeness() + "): " + abbreviate(rest));
            }
            lastValue = null;
            List<SnippetEvent> events = shell.eval(info.source());
            if (stopRequested) {
                return new Outcome(null, "stopped by an interrupt in `" + abbreviate(info.source()) + "`");
            }
            for (SnippetEvent e : events) {
                String failure = failureOf(e);
                if (failure != null) {
                    return new Outcome(null, failure);
                }
                if (e.causeSnippet() == null && e.value() != null && shows(e.snippet())) {
                    lastValue = e.value();
                }
            }
            rest = info.remaining();
        }
        return new Outcome(lastValue, null);
    }

    /**
     * The source's parts that JShell completes (for a kernel's code completion).
     *
     * @param code the code
     * @param cursor the cursor's offset
     * @param anchor receives the start of the text the suggestions replace
     * @return the suggestions
     */
    List<SourceCodeAnalysis.Suggestion> completions(String code, int cursor, int[] anchor) {
        return shell.sourceCodeAnalysis().completionSuggestions(code, cursor, anchor);
    }

    /**
     * Whether the code is a complete snippet sequence.
     *
     * @param code the code
     * @return JShell's verdict
     */
    SourceCodeAnalysis.Completeness completeness(String code) {
        return shell.sourceCodeAnalysis().analyzeCompletion(withoutMagics(code)).completeness();
    }

    /** Stops the snippet that is running (from another thread); its cell then ends with a failure. */
    void stop() {
        stopRequested = true;
        shell.stop();
    }

    @Override
    public void close() {
        shell.close();
    }

    static String withoutMagics(String cell) {
        return cell.lines().map(l -> l.stripLeading().startsWith("%") ? "" : l).collect(Collectors.joining("\n"));
    }

    /** Expression values are shown; images are shown by {@link Display}, not as text. */
    private static boolean shows(Snippet s) {
        boolean expression = s.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                || s.subKind() == Snippet.SubKind.VAR_VALUE_SUBKIND;
        return expression && !(s instanceof VarSnippet v && v.typeName().endsWith("BufferedImage"));
    }

    private String failureOf(SnippetEvent e) {
        Snippet s = e.snippet();
        if (e.status() == Snippet.Status.REJECTED) {
            String diagnostics = shell.diagnostics(s).map(d -> d.getMessage(Locale.ROOT))
                    .collect(Collectors.joining("; "));
            return "compile error in `" + abbreviate(s.source()) + "`: " + diagnostics;
        }
        if (s instanceof DeclarationSnippet d && e.causeSnippet() == null) {
            List<String> missing = shell.unresolvedDependencies(d).toList();
            if (!missing.isEmpty()) {
                return "unresolved " + missing + " in `" + abbreviate(s.source()) + "`";
            }
        }
        JShellException x = e.exception();
        if (x != null) {
            StringBuilder b = new StringBuilder();
            if (x instanceof EvalException ee) {
                b.append(ee.getExceptionClassName()).append(": ").append(ee.getMessage());
                for (Throwable cause = ee.getCause(); cause != null; cause = cause.getCause()) {
                    b.append(" / caused by ").append(cause instanceof EvalException ce ? ce.getExceptionClassName()
                            : cause.getClass().getName()).append(": ").append(cause.getMessage());
                }
            } else if (x instanceof UnresolvedReferenceException u) {
                b.append("unresolved reference to `").append(abbreviate(u.getSnippet().source())).append('`');
            } else {
                b.append(x);
            }
            for (StackTraceElement el : x.getStackTrace()) {
                b.append("\n    at ").append(el);
            }
            return b.toString();
        }
        return null;
    }

    static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() <= 120 ? one : one.substring(0, 117) + "...";
    }
}
