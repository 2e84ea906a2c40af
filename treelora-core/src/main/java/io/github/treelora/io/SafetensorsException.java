package io.github.treelora.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A safetensors file cannot be used as asked: a tensor name is absent, a tensor's dtype does not
 * fit the requested Java type, or a value is out of range. The message always names the file and,
 * when one is involved, the tensor key. Malformed files raise the subclass
 * {@link SafetensorsFormatException}.
 */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The tensor key the problem concerns, or null. */
    private final String key;

    /**
     * Creates an exception whose message is {@code "<file>: key '<key>': <problem>"}.
     *
     * @param file the file concerned (may be null when there is none)
     * @param key the tensor or metadata key concerned, or null
     * @param problem what is wrong
     */
    public SafetensorsException(Path file, String key, String problem) {
        this(file, key, problem, null);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param file the file concerned (may be null when there is none)
     * @param key the tensor or metadata key concerned, or null
     * @param problem what is wrong
     * @param cause the underlying failure, or null
     */
    public SafetensorsException(Path file, String key, String problem, Throwable cause) {
        super(format(file, key, problem), cause);
        this.file = file;
        this.key = key;
    }

    private static String format(Path file, String key, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<no file>" : file.toString());
        if (key != null) {
            sb.append(": key '").append(key).append('\'');
        }
        return sb.append(": ").append(problem).toString();
    }

    /**
     * Returns the file concerned.
     *
     * @return the path, or null when none was involved
     */
    public Path file() {
        return file;
    }

    /**
     * Returns the tensor (or metadata) key concerned.
     *
     * @return the key, or empty when the problem is not about one key
     */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }
}
