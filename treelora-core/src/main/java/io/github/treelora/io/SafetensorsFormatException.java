package io.github.treelora.io;

import java.nio.file.Path;

/**
 * A file is not a valid safetensors file: too short, header length beyond the file, invalid UTF-8
 * or JSON, a missing or unknown dtype, inconsistent shape and offsets, data outside the file
 * (truncated), overlapping tensors, negative dimensions, or bad metadata. The message names the
 * file and, where one is involved, the key.
 */
public class SafetensorsFormatException extends SafetensorsException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param file the malformed file
     * @param key the header key concerned, or null
     * @param problem what is wrong
     */
    public SafetensorsFormatException(Path file, String key, String problem) {
        super(file, key, problem);
    }

    /**
     * Creates the exception with a cause (e.g. a JSON parse error).
     *
     * @param file the malformed file
     * @param key the header key concerned, or null
     * @param problem what is wrong
     * @param cause the underlying failure
     */
    public SafetensorsFormatException(Path file, String key, String problem, Throwable cause) {
        super(file, key, problem, cause);
    }
}
