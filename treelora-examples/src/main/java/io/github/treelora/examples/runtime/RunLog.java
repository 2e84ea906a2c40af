package io.github.treelora.examples.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Where a command's log records go. The console shows warnings and errors only (see {@code logback.xml}); a
 * command that writes a run directory calls {@link #open} to keep the details (the trainer's per-task lines,
 * accuracies after each task, the engine's start-up, DJL's CUDA probe) in {@value #FILE} there, and
 * {@code --verbose} shows them on the console as well. One run log is open at a time: opening another closes the
 * previous one (tests run several commands in one JVM).
 */
public final class RunLog {
    /** The log file's name in the run directory. */
    public static final String FILE = "run.log";

    private static final String APPENDER = "RUN_LOG";
    private static final String CONSOLE = "CONSOLE";
    private static final String CUDA_PROBE = "ai.djl.util.cuda.CudaUtils";

    private RunLog() {}

    /**
     * Starts writing INFO and higher records to {@code dir/run.log} (appending; the directory is created) and sets
     * the console's threshold: INFO when verbose, WARN otherwise.
     *
     * @param dir the run directory
     * @param verbose whether the console shows the details too
     * @return the log file
     * @throws IOException if the directory cannot be created
     */
    public static synchronized Path open(Path dir, boolean verbose) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE).toAbsolutePath();
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return file; // another SLF4J provider: its own configuration decides
        }
        close();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();
        root.addAppender(appender);
        setConsoleThreshold(root, verbose ? Level.INFO : Level.WARN);
        // The CUDA probe's warnings (off in logback.xml) go to the file; to the console too only when verbose.
        Logger cuda = context.getLogger(CUDA_PROBE);
        cuda.setLevel(null);
        if (!verbose) {
            cuda.setAdditive(false);
            cuda.addAppender(appender);
        }
        return file;
    }

    /** Stops writing the current run log, if any, and restores the console's defaults. */
    public static synchronized void close() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> appender = root.getAppender(APPENDER);
        if (appender != null) {
            root.detachAppender(appender);
            appender.stop();
        }
        Logger cuda = context.getLogger(CUDA_PROBE);
        cuda.detachAppender(APPENDER);
        cuda.setAdditive(true);
        cuda.setLevel(Level.ERROR);
        setConsoleThreshold(root, Level.WARN);
    }

    private static void setConsoleThreshold(Logger root, Level level) {
        Appender<ILoggingEvent> console = root.getAppender(CONSOLE);
        if (console == null) {
            return;
        }
        ThresholdFilter filter = new ThresholdFilter();
        filter.setLevel(level.toString());
        filter.start();
        console.clearAllFilters();
        console.addFilter(filter);
    }
}
