package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The progress line redraws one line in place, rate-limited, and prints nothing when off. */
class ProgressLineTest {

    @Test
    void redrawsInPlaceAndClearsLeftovers() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressLine line = new ProgressLine(true, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        line.update("task 1 step 10 loss 0.5");
        line.update("suppressed: within 100 ms");
        Thread.sleep(120);
        line.update("step 11");
        line.finish();
        String expected = "\rtask 1 step 10 loss 0.5" + "\rstep 11" + " ".repeat("task 1 step 10 loss 0.5".length()
                - "step 11".length()) + System.lineSeparator();
        assertEquals(expected, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void disabledPrintsNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressLine line = new ProgressLine(false, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        line.update("x");
        line.finish();
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
