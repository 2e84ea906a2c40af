package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FortuneReader} on hand-written cookie files, good and bad. */
class FortuneReaderTest {
    @TempDir
    Path dir;

    @Test
    void entriesAreSplitAtPercentLinesAndJoined() throws Exception {
        Path f = Files.writeString(dir.resolve("wisdom"), "A penny saved\n  is a penny earned.\n%\n%\n"
                + "Two\tlines,\n-- someone\n%\n");
        assertEquals(List.of("A penny saved is a penny earned.", "Two lines, -- someone"), FortuneReader.read(f));
    }

    @Test
    void aDirectorySkipsIndexesLinksCopyrightAndPictures() throws Exception {
        Files.writeString(dir.resolve("b"), "second\n%\n");
        Files.writeString(dir.resolve("a"), "first\n%\n");
        Files.write(dir.resolve("a.dat"), new byte[] {0, 0, 0, 2, 0});
        Files.writeString(dir.resolve("copyright"), "Copyright notice\n");
        Files.writeString(dir.resolve("ascii-art"), "  /\\_/\\\n%\n");
        assertEquals(List.of("first", "second"), FortuneReader.readDirectory(dir));
    }

    @Test
    void aBinaryFileIsRejectedWithItsName() throws Exception {
        Path f = Files.write(dir.resolve("fortunes.dat"), new byte[] {0, 0, 0, 2, '\n', '%', '\n'});
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> FortuneReader.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("NUL"), e.getMessage());
    }

    @Test
    void textWithoutSeparatorsOrInvalidUtf8IsRejected() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "just a line\nand another\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> FortuneReader.read(plain));
        assertTrue(e.getMessage().contains("line holding only %"), e.getMessage());
        Path latin1 = Files.write(dir.resolve("latin1"), new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n', '%', '\n'});
        e = assertThrows(DatasetFormatException.class, () -> FortuneReader.read(latin1));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }
}
