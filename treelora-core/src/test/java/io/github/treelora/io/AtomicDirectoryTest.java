package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed process leaves next to a directory that {@link AtomicDirectory} replaces, and how the next
 * {@code recover} or {@code replace} cleans it up; {@code replaceWith}; permissions.
 */
class AtomicDirectoryTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        return listing(dir);
    }

    /** The names in a directory, sorted (shared with {@link AtomicFileTest}). */
    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void recoverRemovesTheTemporaryDirectoriesOfKilledWrites() throws IOException {
        Path target = dir.resolve("ckpt");
        AtomicDirectory.replace(target, d -> Files.writeString(d.resolve("a.txt"), "first"));
        // What a write killed before its swap leaves: a filled, hidden temporary sibling (two of them here).
        for (String stale : List.of(".ckpt.tmp-0f1e2d3c", ".ckpt.tmp-4b5a6978")) {
            Files.createDirectories(dir.resolve(stale).resolve("strategy"));
            Files.writeString(dir.resolve(stale).resolve("strategy").resolve("x.bin"), "half");
        }
        // Siblings of other targets and unrelated hidden files are not touched.
        Files.createDirectory(dir.resolve(".other.tmp-1234"));
        Files.createDirectory(dir.resolve(".ckpt.partial"));

        AtomicDirectory.recover(target);

        assertEquals(List.of(".ckpt.partial", ".other.tmp-1234", "ckpt"), listing());
        assertEquals("first", Files.readString(target.resolve("a.txt")));
    }

    @Test
    void replaceAlsoRemovesStaleTemporaryDirectoriesBeforeWriting() throws IOException {
        Path target = dir.resolve("ckpt");
        Files.createDirectories(dir.resolve(".ckpt.tmp-dead"));
        AtomicDirectory.replace(target, d -> Files.writeString(d.resolve("a.txt"), "new"));
        assertEquals(List.of("ckpt"), listing());
    }

    @Test
    void recoverRestoresThePreviousVersionWhenTheSwapWasCutAndDropsTheUnfinishedOne() throws IOException {
        Path target = dir.resolve("ckpt");
        AtomicDirectory.replace(target, d -> Files.writeString(d.resolve("a.txt"), "old"));
        // Killed between the two renames of a swap: the old copy is aside, the new one still temporary.
        Files.move(target, dir.resolve(".ckpt.old-1"));
        Files.createDirectory(dir.resolve(".ckpt.tmp-2"));
        AtomicDirectory.recover(target);
        assertEquals(List.of("ckpt"), listing());
        assertEquals("old", Files.readString(target.resolve("a.txt")));
    }

    @Test
    void replaceWithSwapsACompleteDirectoryInAsAWhole() throws IOException {
        Path target = dir.resolve("run");
        Files.createDirectories(target.resolve("task2"));
        Files.writeString(target.resolve("result.json"), "seed 1");
        Files.writeString(target.resolve("task2").resolve("adapter.bin"), "seed 1");
        Path fresh = dir.resolve(".run.partial");
        Files.createDirectories(fresh);
        Files.writeString(fresh.resolve("result.json"), "seed 2");

        AtomicDirectory.replaceWith(target, fresh);

        assertEquals(List.of("run"), listing());
        assertEquals("seed 2", Files.readString(target.resolve("result.json")));
        assertFalse(Files.exists(target.resolve("task2")), "nothing of the previous run is kept");
        assertThrows(IOException.class, () -> AtomicDirectory.replaceWith(target, dir.resolve("absent")));
        assertThrows(IOException.class, () -> AtomicDirectory.replaceWith(target, target));
        assertEquals("seed 2", Files.readString(target.resolve("result.json")));
    }

    @Test
    void deleteRecursivelyRemovesLinksWithoutFollowingThem() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Path tree = Files.createDirectories(dir.resolve("tree"));
        try {
            Files.createSymbolicLink(tree.resolve("link"), outside);
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "no symbolic links here: " + e);
        }
        AtomicDirectory.deleteRecursively(tree);
        assertFalse(Files.exists(tree));
        assertEquals("keep", Files.readString(outside.resolve("keep.txt")));
    }

    @Test
    void writtenDirectoriesGetTheDefaultPermissionsOfTheUmask() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Set<PosixFilePermission> reference = Files.getPosixFilePermissions(
                Files.createDirectory(dir.resolve("reference")));
        Path target = dir.resolve("ckpt");
        AtomicDirectory.replace(target, d -> Files.createDirectory(d.resolve("sub")));
        assertEquals(reference, Files.getPosixFilePermissions(target));
        assertEquals(reference, Files.getPosixFilePermissions(target.resolve("sub")));
        assertTrue(reference.contains(PosixFilePermission.OWNER_WRITE));
    }

    @Test
    void updateChangesSomeFilesAsAWholeAndKeepsTheOthers() throws IOException {
        Path target = dir.resolve("adapter");
        Files.createDirectories(target.resolve("other"));
        Files.writeString(target.resolve("README.md"), "notes");
        Files.writeString(target.resolve("weights.bin"), "old weights");
        Files.writeString(target.resolve("config.json"), "old config");
        Files.writeString(target.resolve("other").resolve("weights.bin"), "another adapter");

        AtomicDirectory.update(target, d -> {
            Files.writeString(d.resolve("weights.bin"), "new weights");
            Files.writeString(d.resolve("config.json"), "new config");
        });
        assertEquals(List.of("adapter"), listing());
        assertEquals("new weights", Files.readString(target.resolve("weights.bin")));
        assertEquals("new config", Files.readString(target.resolve("config.json")));
        assertEquals("notes", Files.readString(target.resolve("README.md")));
        assertEquals("another adapter", Files.readString(target.resolve("other").resolve("weights.bin")));

        IOException e = assertThrows(IOException.class, () -> AtomicDirectory.update(target, d -> {
            Files.writeString(d.resolve("weights.bin"), "half");
            Files.delete(d.resolve("README.md"));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals(List.of("adapter"), listing());
        assertEquals("new weights", Files.readString(target.resolve("weights.bin")), "nothing of the failed update");
        assertEquals("notes", Files.readString(target.resolve("README.md")));

        Files.writeString(dir.resolve("file"), "x");
        assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> AtomicDirectory.update(dir.resolve("file"), d -> { }));
        AtomicDirectory.update(dir.resolve("fresh"), d -> Files.writeString(d.resolve("a"), "a"));
        assertEquals("a", Files.readString(dir.resolve("fresh").resolve("a")), "an absent target is created");
    }

    @Test
    void updateThroughALinkUpdatesTheLinkedDirectoryAndKeepsLinksAndPermissions() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = dir.resolve("link");
        Path inner = real.resolve("inner");
        try {
            Files.createSymbolicLink(link, real);
            Files.createSymbolicLink(inner, dir.resolve("elsewhere"));
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "no symbolic links here: " + e);
        }
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        if (posix) {
            Files.setPosixFilePermissions(real, ownerOnly);
        }
        AtomicDirectory.update(link, d -> Files.writeString(d.resolve("a.txt"), "a"));
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("a", Files.readString(real.resolve("a.txt")));
        assertTrue(Files.isSymbolicLink(inner), "a link inside is copied as a link");
        assertEquals(dir.resolve("elsewhere"), Files.readSymbolicLink(inner));
        if (posix) {
            assertEquals(ownerOnly, Files.getPosixFilePermissions(real), "the directory keeps its permissions");
        }
        assertEquals(List.of("link", "real"), listing());
    }
}
