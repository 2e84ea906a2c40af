package io.github.treelora.examples.data;

import java.io.IOException;

/**
 * A dataset is not in the cache. The message names the missing file and the exact command that
 * fetches it ({@link Datasets#fetchCommand(java.nio.file.Path)}).
 */
public final class MissingDatasetException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the full message, including the command that obtains the dataset
     */
    public MissingDatasetException(String message) {
        super(message);
    }
}
