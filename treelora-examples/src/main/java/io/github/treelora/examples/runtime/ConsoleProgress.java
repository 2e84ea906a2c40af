package io.github.treelora.examples.runtime;

import io.github.treelora.djl.cl.TrainingProgress;
import java.text.DecimalFormat;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The console progress bar of one training run (one strategy on one seed): samples trained out of the run's
 * total (every task's training split times its epochs), throughput and ETA from the bar, and the current task,
 * epoch and loss as its message. Drawn on standard output only when that is a terminal, and erased when the run
 * ends, so the run's result line takes its place; redirected output (CI, log files) gets no bar.
 */
public final class ConsoleProgress implements TrainingProgress, AutoCloseable {
    private final String label;
    private final ProgressBarConsumer consumer;
    private ProgressBar bar;

    /**
     * A bar for one run.
     *
     * @param label what follows the strategy's name, e.g. "seed 1"
     * @param consumer where the bar is drawn; null draws nothing
     */
    public ConsoleProgress(String label, ProgressBarConsumer consumer) {
        this.label = label;
        this.consumer = consumer;
    }

    /**
     * A bar on standard output when it is a terminal, else one that draws nothing.
     *
     * @param label what follows the strategy's name, e.g. "seed 1"
     * @return the bar
     */
    public static ConsoleProgress onTerminal(String label) {
        return new ConsoleProgress(label, System.console() != null ? new ConsoleProgressBarConsumer(System.out)
                : null);
    }

    @Override
    public void started(String strategy, long samples) {
        if (consumer == null) {
            return;
        }
        close();
        bar = new ProgressBarBuilder().setTaskName(strategy + " " + label).setInitialMax(samples)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" samples", 1).showSpeed(new DecimalFormat("#"))
                .setUpdateIntervalMillis(250).setConsumer(consumer).clearDisplayOnFinish().build();
    }

    @Override
    public void stepped(Step s) {
        if (bar == null) {
            return;
        }
        bar.stepBy(s.samples());
        bar.setExtraMessage(" " + message(s));
    }

    /**
     * The bar's message for a step.
     *
     * @param s the step
     * @return e.g. "task 2/5 epoch 1/3 loss 0.1234"
     */
    static String message(Step s) {
        return String.format(Locale.ROOT, "task %d/%d epoch %d/%d loss %.4f", s.task() + 1, s.tasks(), s.epoch() + 1,
                s.epochs(), s.loss());
    }

    /** Erases the bar (idempotent). */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
