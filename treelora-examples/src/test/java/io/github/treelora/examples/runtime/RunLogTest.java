package io.github.treelora.examples.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Details go to the run directory's run.log while it is open, and only then. */
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
}
