package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void writesReplacesAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("a.json");
        AtomicFile.writeString(file, "{\"v\": 1}\n");
        AtomicFile.writeString(file, "{\"v\": \"é\"}\n");
        assertEquals("{\"v\": \"é\"}\n", Files.readString(file, StandardCharsets.UTF_8));
        assertEquals(List.of("a.json"), AtomicDirectoryTest.listing(dir));
    }

    @Test
    void aFailedWriteLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("b.json");
        AtomicFile.writeString(file, "old");
        // The temporary sibling's name is taken by a non-empty directory, so writing it fails.
        Files.createDirectories(dir.resolve(".b.json.tmp").resolve("x"));
        assertThrows(IOException.class, () -> AtomicFile.writeString(file, "new"));
        assertEquals("old", Files.readString(file));
    }
}
