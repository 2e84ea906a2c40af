package io.github.treelora.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Replaces a directory as a whole: the new content is written into a hidden sibling temporary directory,
 * which is swapped in by renames only once it is complete. A failure while writing leaves the previous
 * directory untouched. Between the two renames of the swap the previous directory exists under a hidden
 * {@code .<name>.old-<uuid>} name; {@link #recover(Path)} moves it back if a process died right there, and removes
 * the {@code .<name>.tmp-<uuid>} directories of writes that were killed before their swap. Directories and files
 * are created with the file system's default permissions (the process's umask applies), as
 * {@link Files#createDirectory} creates them.
 *
 * <p>One writer per target at a time: {@link #recover(Path)}, which {@link #replace} calls first, removes the
 * temporary directories of every earlier writer of the same target.
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

    private static final String TMP = "tmp-";
    private static final String OLD = "old-";

    private AtomicDirectory() {
    }

    /** The start of the names of a target's hidden siblings: {@code .<name>.}. */
    private static String prefix(Path abs) {
        return "." + abs.getFileName() + ".";
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
        Path tmp = parent.resolve(prefix(abs) + TMP + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            writer.write(tmp);
            swapIn(tmp, abs);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /**
     * Changes some of {@code target}'s content as a whole: the temporary directory starts as a copy of
     * {@code target} (files, sub-directories and symbolic links as they are, with their attributes; the directory's
     * own POSIX permissions too), {@code writer} changes it, and it is swapped in as {@link #replace} swaps. A
     * failure anywhere leaves {@code target} exactly as it was; a reader never sees some of the changes without the
     * others. A {@code target} that is a symbolic link to a directory stays a link: the directory it points to is
     * updated. The copy costs time and space in proportion to what {@code target} holds.
     *
     * @param target the directory to update (created if absent; its parent too)
     * @param writer changes the copy (it may overwrite and delete entries)
     * @throws IOException from the writer or the file system, or if {@code target} exists and is not a directory;
     *     {@code target} then still holds its previous content
     */
    public static void update(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        if (!Files.exists(abs)) {
            replace(abs, writer);
            return;
        }
        if (!Files.isDirectory(abs)) {
            throw new FileAlreadyExistsException(abs.toString(), null, "exists and is not a directory");
        }
        Path real = abs.toRealPath();
        replace(real, tmp -> {
            copyContent(real, tmp);
            writer.write(tmp);
        });
    }

    /**
     * Copies the entries of the directory {@code from} into the existing, empty directory {@code to} (links as
     * links, attributes kept), then {@code from}'s POSIX permissions onto {@code to}.
     */
    private static void copyContent(Path from, Path to) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(from)) {
            for (Path c : children) {
                Path copy = to.resolve(c.getFileName().toString());
                if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(copy);
                    copyContent(c, copy);
                } else {
                    Files.copy(c, copy, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
        if (Files.getFileStore(from).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
        }
    }

    /**
     * Replaces {@code target} by a complete directory written elsewhere, by renames, as {@link #replace} swaps in
     * its temporary directory: a process killed during the swap leaves either the previous {@code target} or
     * {@code complete} in its place (after {@link #recover(Path)}), never a mix.
     *
     * @param target the directory to replace (created if absent)
     * @param complete a complete directory on the same file system as {@code target}, typically a sibling; it is
     *     moved, so it no longer exists afterwards
     * @throws IOException from the file system; {@code target} then still holds its previous content
     */
    public static void replaceWith(Path target, Path complete) throws IOException {
        Path abs = target.toAbsolutePath();
        Path fresh = complete.toAbsolutePath();
        if (!Files.isDirectory(fresh)) {
            throw new IOException(fresh + " is not a directory");
        }
        if (fresh.normalize().equals(abs.normalize())) {
            throw new IOException(fresh + " cannot replace itself");
        }
        Files.createDirectories(abs.getParent());
        recover(abs);
        swapIn(fresh, abs);
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
        List<Path> tmps = new ArrayList<>();
        String prefix = prefix(abs);
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent, p ->
                p.getFileName().toString().startsWith(prefix))) {
            for (Path p : siblings) {
                String rest = p.getFileName().toString().substring(prefix.length());
                if (rest.startsWith(OLD)) {
                    olds.add(p);
                } else if (rest.startsWith(TMP)) {
                    tmps.add(p);
                }
            }
        }
        // A temporary directory is only complete once it is renamed to the target: any left over is abandoned.
        for (Path tmp : tmps) {
            deleteRecursively(tmp);
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
     * Deletes a file or a directory tree; nothing happens if it does not exist. Symbolic links are deleted, never
     * followed.
     *
     * @param p the path
     * @throws IOException on failure
     */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
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
            old = target.resolveSibling(prefix(target) + OLD + UUID.randomUUID());
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
