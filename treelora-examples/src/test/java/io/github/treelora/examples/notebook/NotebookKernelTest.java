package io.github.treelora.examples.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel's cell execution without a Jupyter connection: values, declarations kept across cells, magics skipped,
 * failures as cell errors, log records below WARN kept out of the cells. The shipped notebooks run in Jupyter
 * itself in CI ({@code .ci/run}: {@code jupyter nbconvert --execute} with this kernel).
 */
class NotebookKernelTest {
    private static NotebookKernel kernel;

    @BeforeAll
    static void start() {
        kernel = NotebookKernel.create();
    }

    @AfterAll
    static void stop() {
        kernel.onShutdown(false);
    }

    @Test
    void showsTheLastExpressionAndKeepsDeclarationsAcrossCells() {
        assertNull(kernel.eval("int base = 40;"));
        assertEquals("42", kernel.eval("%maven some:artifact:1.0\nint two = 2;\nbase + two")
                .getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void reportsCompileErrorsAndExceptionsAsCellErrors() {
        NotebookKernel.CellException compile = assertThrows(NotebookKernel.CellException.class,
                () -> kernel.eval("int b = undefinedName + 1;"));
        assertTrue(compile.getMessage().contains("compile error") && compile.getMessage().contains("undefinedName"),
                compile.getMessage());
        NotebookKernel.CellException thrown = assertThrows(NotebookKernel.CellException.class,
                () -> kernel.eval("if (true) throw new IllegalStateException(\"no data here\");"));
        assertTrue(thrown.getMessage().startsWith("java.lang.IllegalStateException: no data here"),
                thrown.getMessage());
        List<String> lines = kernel.formatError(thrown);
        assertEquals("java.lang.IllegalStateException: no data here", lines.get(0));
    }

    @Test
    void anInterruptStopsTheRunningCell() throws Exception {
        RuntimeException[] failure = new RuntimeException[1];
        Thread cell = new Thread(() -> {
            try {
                kernel.eval("while (true) { Thread.sleep(10); }");
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        });
        cell.start();
        // An interrupt that comes before the loop runs stops nothing: repeat until the cell has ended.
        while (cell.isAlive()) {
            kernel.interrupt();
            cell.join(200);
        }
        assertNotNull(failure[0], "the stopped cell ends with an error");
        assertTrue(failure[0].getMessage().contains("stopped"), failure[0].getMessage());
        assertEquals("3", kernel.eval("1 + 2").getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void answersWhetherCodeIsComplete() {
        assertEquals(BaseKernel.IS_COMPLETE_YES, kernel.isComplete("int x = 1;"));
        assertEquals(BaseKernel.IS_COMPLETE_MAYBE, kernel.isComplete("for (int i = 0; i < 3; i++) {"));
    }

    @Test
    void keepsLogRecordsBelowWarnOutOfTheCell() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            kernel.eval("var log = org.slf4j.LoggerFactory.getLogger(\"nbtest\");\nlog.info(\"epoch 1 of 3\");\n"
                    + "log.warn(\"basis is full\");\nSystem.err.println(\"a plain error line\");");
        } finally {
            System.setErr(old);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("epoch 1 of 3"), text);
        assertTrue(text.contains("basis is full"), text);
        assertTrue(text.contains("a plain error line"), text);
    }
}
