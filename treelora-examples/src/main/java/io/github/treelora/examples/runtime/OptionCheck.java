package io.github.treelora.examples.runtime;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Range checks of command-line options, each failure printed as one line naming the option, the value given and
 * the allowed range, e.g. {@code split-mnist: --batch 0 is out of range: it must be an integer >= 1}. All checks of a
 * command run, so every bad option is named at once; {@link #ok()} says whether the command may go on.
 *
 * <pre>{@code
 * OptionCheck check = new OptionCheck("train-adapter", err).atLeast("--epochs", epochs, 1);
 * if (!check.ok()) {
 *     return 2;
 * }
 * }</pre>
 */
public final class OptionCheck {

    private final String job;
    private final PrintWriter err;
    private boolean ok = true;

    /**
     * Starts the checks of a command.
     *
     * @param job the command name, first on every message
     * @param err where the messages go
     */
    public OptionCheck(String job, PrintWriter err) {
        this.job = job;
        this.err = err;
    }

    /**
     * An integer option with a lower bound.
     *
     * @param option the option's name, e.g. {@code --batch}
     * @param value its value
     * @param min the smallest allowed value
     * @return this
     */
    public OptionCheck atLeast(String option, long value, long min) {
        if (value < min) {
            fail(option, Long.toString(value), "an integer >= " + min);
        }
        return this;
    }

    /**
     * An optional integer option with a lower bound (null: not given, nothing to check).
     *
     * @param option the option's name
     * @param value its value or null
     * @param min the smallest allowed value
     * @return this
     */
    public OptionCheck atLeast(String option, Integer value, long min) {
        return value == null ? this : atLeast(option, value.longValue(), min);
    }

    /**
     * A number option that must be finite and greater than zero (a learning rate).
     *
     * @param option the option's name
     * @param value its value, or null when not given
     * @return this
     */
    public OptionCheck positive(String option, Double value) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            fail(option, number(value), "a finite number > 0");
        }
        return this;
    }

    /**
     * A number option that must be finite and not negative (a regulariser strength).
     *
     * @param option the option's name
     * @param value its value
     * @return this
     */
    public OptionCheck notNegative(String option, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            fail(option, number(value), "a finite number >= 0");
        }
        return this;
    }

    /**
     * An integer option that must divide another value (say, a model width and its head count).
     *
     * @param option the option's name
     * @param value its value (positive)
     * @param multipleOf the value it must divide
     * @param what what {@code multipleOf} is, e.g. {@code "--hidden 64"}
     * @return this
     */
    public OptionCheck divides(String option, int value, int multipleOf, String what) {
        if (value > 0 && multipleOf % value != 0) {
            fail(option, Integer.toString(value), "a divisor of " + what);
        }
        return this;
    }

    /**
     * Records a failure found by the command itself, in the same format.
     *
     * @param option the option's name
     * @param value the value given
     * @param allowed what is allowed, e.g. {@code "an integer >= 1"}
     * @return this
     */
    public OptionCheck fail(String option, String value, String allowed) {
        err.println(job + ": " + option + " " + value + " is out of range: it must be " + allowed);
        err.flush();
        ok = false;
        return this;
    }

    /**
     * Whether every check passed.
     *
     * @return true when no message was printed
     */
    public boolean ok() {
        return ok;
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%.0f", v) : Double.toString(v);
    }
}
