package io.github.treelora.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * One small file written whole or not at all: the text goes to a hidden temporary sibling, which is then renamed over
 * the target, so a killed process leaves either the old file or the new one, never a truncated mix. For directories
 * of several files use {@link AtomicDirectory}; {@link SafetensorsWriter} does the same for its own files.
 */
public final class AtomicFile {

    private AtomicFile() {}

    /**
     * Writes {@code text} as UTF-8 to {@code file}, replacing it atomically; creates missing parent directories.
     *
     * @param file the target
     * @param text the whole content
     * @throws IOException if writing or renaming fails (the temporary file is removed, the target is unchanged)
     */
    public static void writeString(Path file, String text) throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
