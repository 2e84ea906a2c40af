package io.github.treelora.djl.cl;

import java.io.PrintStream;

/**
 * The trainer's default {@link TrainingProgress}: one console line redrawn in place ({@code \r}), at most every
 * 100 ms. Off when disabled or when the JVM has no console (output redirected, CI), so logs and files never fill
 * with carriage returns.
 */
final class ProgressLine implements TrainingProgress {

    private static final long INTERVAL_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean enabled;
    private long lastDraw;
    private int lastLength;
    private boolean drawn;

    ProgressLine(boolean wanted) {
        this(wanted && System.console() != null, System.err);
    }

    ProgressLine(boolean enabled, PrintStream out) {
        this.enabled = enabled;
        this.out = out;
    }

    @Override
    public void stepped(Step s) {
        if (enabled) {
            update(String.format("%s task %d/%d epoch %d/%d step %d/%d loss %.4f %.1f samples/s", s.strategy(),
                    s.task() + 1, s.tasks(), s.epoch() + 1, s.epochs(), s.step() + 1, s.steps(), s.loss(),
                    s.samplesPerSecond()));
        }
    }

    @Override
    public void taskTrained() {
        finish();
    }

    void update(String text) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (drawn && now - lastDraw < INTERVAL_NANOS) {
            return;
        }
        StringBuilder sb = new StringBuilder("\r").append(text);
        for (int i = text.length(); i < lastLength; i++) {
            sb.append(' ');
        }
        out.print(sb);
        out.flush();
        lastLength = text.length();
        lastDraw = now;
        drawn = true;
    }

    void finish() {
        if (enabled && drawn) {
            out.println();
            out.flush();
        }
        drawn = false;
        lastLength = 0;
    }
}
