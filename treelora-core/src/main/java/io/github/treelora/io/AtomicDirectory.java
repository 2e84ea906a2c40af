package io.github.treelora.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Replaces a directory as a whole: the new content is written into a hidden sibling temporary directory,
 * which is swapped in by renames only once it is complete. A failure while writing leaves the previous
 * directory untouched. Between the two renames of the swap the previous directory exists under a hidden
 * {@code .<name>.old-<uuid>} name; {@link #recover(Path)} moves it back if a process died right there.
 */
public final class AtomicDirectory {

    /** Writes the content of a directory. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Fills {@code dir}.
         *
         * @param dir an existing empty directory
         * @throws IOException on failure (the swap is then abandoned)
         */
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {
    }

    /**
     * Writes a new version of {@code target} and swaps it in.
     *
     * @param target the directory to replace (created if absent; its parent too)
     * @param writer fills the temporary directory
     * @throws IOException from the writer or the file system; {@code target} then still holds its previous
     *     content
     */
    public static void replace(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        recover(abs);
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            writer.write(tmp);
            swapIn(tmp, abs);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /**
     * Restores {@code target} from a previous version left by a swap that was interrupted between its two
     * renames, and removes leftover temporary directories of interrupted writes. Does nothing when
     * {@code target} exists and nothing was left over.
     *
     * @param target the directory
     * @throws IOException on file-system failure
     */
    public static void recover(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        List<Path> olds = new ArrayList<>();
        String prefix = "." + abs.getFileName() + ".";
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent, p ->
                p.getFileName().toString().startsWith(prefix + "old-"))) {
            siblings.forEach(olds::add);
        }
        if (!Files.exists(abs) && olds.size() == 1) {
            move(olds.get(0), abs);
        } else if (Files.exists(abs)) {
            // The swap completed; the old copy only missed its deletion.
            for (Path old : olds) {
                deleteRecursively(old);
            }
        }
    }

    /**
     * Deletes a file or a directory tree; nothing happens if it does not exist.
     *
     * @param p the path
     * @throws IOException on failure
     */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        if (Files.isDirectory(p)) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(p)) {
                for (Path c : children) {
                    deleteRecursively(c);
                }
            }
        }
        Files.delete(p);
    }

    /** Replaces {@code target} by the complete directory {@code fresh}; the old one is removed last. */
    private static void swapIn(Path fresh, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            move(target, old);
        }
        try {
            move(fresh, target);
        } catch (IOException e) {
            if (old != null) {
                move(old, target);
            }
            throw e;
        }
        if (old != null) {
            deleteRecursively(old);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }
}
