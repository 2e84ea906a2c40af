package io.github.treelora.examples.data;

import java.io.IOException;
import java.nio.file.Path;

/** A dataset file exists but its content is invalid (bad magic number, truncated, label out of range...). */
public final class DatasetFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message that starts with the offending file.
     *
     * @param file the file being read
     * @param problem what is wrong with it
     */
    public DatasetFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /**
     * Creates the exception with a message that starts with the offending file and keeps the cause.
     *
     * @param file the file being read
     * @param problem what is wrong with it
     * @param cause the underlying error
     */
    public DatasetFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
