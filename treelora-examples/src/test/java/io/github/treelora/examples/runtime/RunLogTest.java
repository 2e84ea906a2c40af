package io.github.treelora.examples.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Details go to the run directory's run.log while it is open, and only then; the console shows warnings, but not
 * DJL's CUDA probe unless verbose.
 */
class RunLogTest {
    @TempDir
    Path dir;

    @Test
    void writesInfoRecordsToTheRunDirectoryUntilClosed() throws IOException {
        Logger log = LoggerFactory.getLogger("runlogtest");
        Path file = RunLog.open(dir.resolve("run"), false);
        try {
            log.info("task 1/5 trained");
            log.debug("epoch loss detail");
        } finally {
            RunLog.close();
        }
        log.info("after the run");
        String text = Files.readString(file);
        assertTrue(file.startsWith(dir.resolve("run")) && file.endsWith(RunLog.FILE), file.toString());
        assertTrue(text.contains("INFO  runlogtest - task 1/5 trained"), text);
        assertFalse(text.contains("epoch loss detail"), text);
        assertFalse(text.contains("after the run"), text);
    }

    @Test
    void keepsTheCudaProbeInTheFileUnlessVerbose() throws IOException {
        Logger probe = LoggerFactory.getLogger("ai.djl.util.cuda.CudaUtils");
        Logger other = LoggerFactory.getLogger("runlogtest");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        Path quiet;
        Path verbose;
        try {
            quiet = RunLog.open(dir.resolve("quiet"), false);
            probe.warn("Failed to detect GPU count (quiet)");
            other.warn("basis is full");
            other.info("task detail (quiet)");
            verbose = RunLog.open(dir.resolve("verbose"), true);
            probe.warn("Failed to detect GPU count (verbose)");
            other.info("task detail (verbose)");
        } finally {
            RunLog.close();
            System.setErr(old);
        }
        String screen = console.toString(StandardCharsets.UTF_8);
        assertFalse(screen.contains("(quiet)"), screen);
        assertTrue(screen.contains("basis is full"), screen);
        assertTrue(screen.contains("Failed to detect GPU count (verbose)"), screen);
        assertTrue(screen.contains("task detail (verbose)"), screen);
        String quietFile = Files.readString(quiet);
        assertTrue(quietFile.contains("Failed to detect GPU count (quiet)"), quietFile);
        assertTrue(quietFile.contains("task detail (quiet)"), quietFile);
        assertTrue(Files.readString(verbose).contains("Failed to detect GPU count (verbose)"));
    }
}
