package io.github.treelora.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** File-system checks shared by the command tests. */
public final class TestFiles {

    private TestFiles() {}

    /**
     * The names of a directory's entries, sorted.
     *
     * @param dir the directory
     * @return entry names
     * @throws IOException if it cannot be listed
     */
    public static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
