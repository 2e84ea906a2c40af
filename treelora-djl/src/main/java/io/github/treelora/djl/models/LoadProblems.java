package io.github.treelora.djl.models;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What stops tensors from being loaded into a model, gathered by kind (missing keys, shape mismatches, ...) so that
 * one message names them all: a line per kind that has any, listing its first {@value #MAX_LISTED} names.
 */
public final class LoadProblems {

    /** Names listed per kind; the rest are counted. */
    public static final int MAX_LISTED = 20;

    private final StringBuilder text = new StringBuilder();

    /**
     * Adds a line for one kind of problem, unless there is none of it.
     *
     * @param kind the kind, e.g. {@code shape mismatches}
     * @param names what has it (in the order given)
     * @return this
     */
    public LoadProblems add(String kind, Collection<String> names) {
        if (!names.isEmpty()) {
            text.append("\n  ").append(kind).append(": ").append(listed(names));
        }
        return this;
    }

    /**
     * Whether nothing was found.
     *
     * @return true when no kind had any name
     */
    public boolean isEmpty() {
        return text.length() == 0;
    }

    /**
     * The lines, each starting with a line break and an indent.
     *
     * @return the text, empty when there is no problem
     */
    @Override
    public String toString() {
        return text.toString();
    }

    /**
     * Names for a message: all of them up to {@value #MAX_LISTED}, else the first ones and how many more.
     *
     * @param names names in order
     * @return e.g. {@code [a, b]} or {@code [a, ..., t] and 5 more}
     */
    public static String listed(Collection<String> names) {
        List<String> list = new ArrayList<>(names);
        if (list.size() <= MAX_LISTED) {
            return list.toString();
        }
        return list.subList(0, MAX_LISTED) + " and " + (list.size() - MAX_LISTED) + " more";
    }
}
