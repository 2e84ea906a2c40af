package io.github.treelora.examples.notebook;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import jdk.jshell.SourceCodeAnalysis;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * A Jupyter kernel for Java notebooks, built on the Jupyter protocol library {@code jjava-jupyter}: each code cell
 * runs in one JShell session in this JVM (see {@link JShellSession}), whose class path is the launcher's, so the
 * notebooks use the project without {@code %maven} magics. Standard output and error become stream outputs,
 * {@link Display#png} an {@code image/png} output, the value of a cell's last expression the cell's result, and a
 * failing snippet (compile error, unresolved symbol, exception) the cell's error. Log records below WARN stay off
 * the cells (see {@code logback.xml}).
 *
 * <p>Jupyter starts it through the kernelspec the build writes to
 * {@code treelora-examples/target/treelora/share/jupyter/kernels/java/} (docs/notebooks.md).
 */
public final class NotebookKernel extends BaseKernel {

    private static volatile NotebookKernel current;

    private final JShellSession session = new JShellSession();

    private NotebookKernel(String name, String version, HistoryManager history, JupyterIO io, CommManager comms,
            Renderer renderer, MagicsRegistry magics, StringStyler errorStyler) {
        super(name, version, new LanguageInfo("java", Runtime.version().toString(), "text/x-java-source", ".jshell",
                "java", "java", null), List.of(), history, io, comms, renderer, null, magics, false, errorStyler);
    }

    /** The kernel's builder (name "treelora-java"). */
    static final class Builder extends BaseKernelBuilder<Builder, NotebookKernel> {
        @Override
        public NotebookKernel build() {
            name("treelora-java").version("0.1.0-SNAPSHOT").jupyterIOEncoding(StandardCharsets.UTF_8);
            return new NotebookKernel(buildName(), buildVersion(), buildHistoryManager(),
                    buildJupyterIO(buildJupyterIOEncoding()), buildCommManager(), buildRenderer(),
                    buildMagicsRegistry(), buildErrorStyler());
        }
    }

    /** A failing cell, with {@link JShellSession}'s message. */
    static final class CellException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CellException(String message) {
            super(message);
        }
    }

    /**
     * A kernel that is not connected (for tests: {@link #eval} runs cells directly).
     *
     * @return the kernel
     */
    static NotebookKernel create() {
        NotebookKernel k = new Builder().build();
        current = k;
        return k;
    }

    /**
     * The kernel of this JVM, if one was created.
     *
     * @return the kernel or null
     */
    static NotebookKernel current() {
        return current;
    }

    @Override
    public Object evalRaw(String code) {
        JShellSession.Outcome outcome = session.eval(code);
        if (outcome.failure() != null) {
            throw new CellException(outcome.failure());
        }
        return outcome.value();
    }

    /**
     * Runs a cell with standard output and error sent on by whole lines (a {@code printf} would otherwise become
     * one stream message per formatted piece).
     */
    @Override
    public DisplayData eval(String code) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream lineOut = new PrintStream(new LineBuffered(out), false, StandardCharsets.UTF_8);
        PrintStream lineErr = new PrintStream(new LineBuffered(err), false, StandardCharsets.UTF_8);
        System.setOut(lineOut);
        System.setErr(lineErr);
        try {
            Object value = evalRaw(code);
            return value == null ? null : new DisplayData(value.toString());
        } finally {
            lineOut.flush();
            lineErr.flush();
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Passes bytes on at each line end and on flush. */
    private static final class LineBuffered extends OutputStream {
        private final PrintStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineBuffered(PrintStream target) {
            this.target = target;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public synchronized void flush() {
            if (line.size() > 0) {
                target.write(line.toByteArray(), 0, line.size());
                line.reset();
            }
            target.flush();
        }
    }

    @Override
    public List<String> formatError(Throwable e) {
        return e instanceof CellException ? List.of(e.getMessage().split("\n")) : super.formatError(e);
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        return null;
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions = session.completions(code, at, anchor);
        if (suggestions == null || suggestions.isEmpty()) {
            return null;
        }
        return new ReplacementOptions(suggestions.stream().map(SourceCodeAnalysis.Suggestion::continuation)
                .distinct().toList(), anchor[0], at);
    }

    @Override
    public String isComplete(String code) {
        SourceCodeAnalysis.Completeness c = session.completeness(code);
        if (c.isComplete() || c == SourceCodeAnalysis.Completeness.EMPTY) {
            return IS_COMPLETE_YES;
        }
        return c == SourceCodeAnalysis.Completeness.UNKNOWN ? IS_COMPLETE_BAD : IS_COMPLETE_MAYBE;
    }

    /** Jupyter's interrupt (the stop button): stops the running cell. */
    @Override
    public void interrupt() {
        session.stop();
    }

    @Override
    public void onShutdown(boolean restart) {
        session.close();
    }

    /**
     * Shows a PNG file as an {@code image/png} output of the running cell.
     *
     * @param png the file
     * @throws java.io.IOException if it cannot be read
     */
    void showPng(Path png) throws java.io.IOException {
        DisplayData d = new DisplayData("<image " + png.getFileName() + ">");
        d.putData("image/png", Base64.getEncoder().encodeToString(Files.readAllBytes(png)));
        display(d);
    }

    /** {@code jupyter-kernel}: what the kernelspec's {@code argv} runs. */
    @Command(name = "jupyter-kernel", mixinStandardHelpOptions = true,
            description = "Runs the notebooks' Jupyter kernel (Java through JShell); Jupyter starts it with a "
                    + "connection file.")
    public static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CONNECTION_FILE", description = "Jupyter's connection file.")
        Path connectionFile;

        /** Creates the command (picocli fills the parameter). */
        public Run() {}

        @Override
        public Integer call() throws Exception {
            // The protocol library logs every message through java.util.logging at INFO.
            java.util.logging.Logger.getLogger("").setLevel(Level.WARNING);
            KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(connectionFile));
            JupyterConnection connection = new JupyterConnection(props);
            NotebookKernel kernel = create();
            kernel.becomeHandlerForConnection(connection);
            connection.connect();
            connection.waitUntilClose();
            return 0;
        }
    }
}
