package io.github.treelora.examples.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.djl.cl.TrainingProgress;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBarConsumer;
import org.junit.jupiter.api.Test;

/** The run's bar counts samples over all tasks and epochs and names the task, epoch and loss. */
class ConsoleProgressTest {

    /** Records what the bar draws; its final drawing happens on close. */
    private static final class Recorder implements ProgressBarConsumer {
        final List<String> drawn = new ArrayList<>();

        @Override
        public int getMaxRenderedLength() {
            return 200;
        }

        @Override
        public void accept(String rendered) {
            drawn.add(rendered);
        }

        @Override
        public void close() {}
    }

    @Test
    void countsSamplesAndShowsTaskEpochAndLoss() {
        Recorder r = new Recorder();
        try (ConsoleProgress bar = new ConsoleProgress("seed 7", r)) {
            bar.started("TreeLoRA", 400);
            bar.stepped(new TrainingProgress.Step("TreeLoRA", 0, 2, 0, 2, 0, 1, 100, 0.5, 10));
            bar.stepped(new TrainingProgress.Step("TreeLoRA", 1, 2, 1, 2, 0, 1, 100, 0.123456, 10));
        }
        String last = r.drawn.stream().filter(s -> !s.isBlank()).reduce((a, b) -> b).orElseThrow();
        assertTrue(last.startsWith("TreeLoRA seed 7"), last);
        assertTrue(last.contains("200/400"), last);
        assertTrue(last.contains("task 2/2 epoch 2/2 loss 0.1235"), last);
    }

    @Test
    void drawsNothingWithoutATerminal() {
        try (ConsoleProgress bar = new ConsoleProgress("seed 1", null)) {
            bar.started("SeqLoRA", 10);
            bar.stepped(new TrainingProgress.Step("SeqLoRA", 0, 1, 0, 1, 0, 1, 10, 0.1, 1));
        }
        assertEquals("task 1/1 epoch 1/1 loss 0.1000", ConsoleProgress.message(
                new TrainingProgress.Step("SeqLoRA", 0, 1, 0, 1, 0, 1, 10, 0.1, 1)));
    }
}
