package io.github.treelora.examples.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Debian's fortune cookie files ({@code fortunes}, {@code fortunes-min}): UTF-8 text whose entries are
 * separated by a line holding only {@code %}. Entries are returned with their lines joined by single spaces
 * (whitespace collapsed), in file order; empty entries are skipped. Used as plain language-model text.
 */
public final class FortuneReader {

    /** Files of the cache directory that are not cookie files. */
    static final List<String> NOT_COOKIES = List.of("copyright", "ascii-art");

    private FortuneReader() {}

    /**
     * Reads one cookie file.
     *
     * @param file the file
     * @return its entries, at least one
     * @throws DatasetFormatException naming the file (and line) if it is not valid UTF-8 text, holds a NUL
     *     character (a binary {@code .dat} index, say) or has no entry separated by {@code %} lines
     * @throws IOException if it cannot be read
     */
    public static List<String> read(Path file) throws IOException {
        List<String> entries = new ArrayList<>();
        int separators = 0;
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader reader = new BufferedReader(
                new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            StringBuilder entry = new StringBuilder();
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.indexOf('\0') >= 0) {
                    throw new DatasetFormatException(file, "line " + lineNo + " holds a NUL character: not a "
                            + "fortune text file (entries separated by lines holding only %)");
                }
                if (line.equals("%")) {
                    separators++;
                    flush(entry, entries);
                } else {
                    entry.append(' ').append(line.strip());
                }
            }
            flush(entry, entries);
        } catch (CharacterCodingException e) {
            throw new DatasetFormatException(file, "is not UTF-8 text", e);
        }
        if (separators == 0 || entries.isEmpty()) {
            throw new DatasetFormatException(file, "holds no fortune entries separated by a line holding only %");
        }
        return entries;
    }

    private static void flush(StringBuilder entry, List<String> entries) {
        String text = entry.toString().replaceAll("\\s+", " ").strip();
        if (!text.isEmpty()) {
            entries.add(text);
        }
        entry.setLength(0);
    }

    /**
     * Reads every cookie file of a directory in name order (skipping hidden files, {@code *.dat} indexes,
     * {@code *.u8} links, {@code copyright} and {@code ascii-art}, whose entries are pictures).
     *
     * @param dir the directory, e.g. {@code CACHE/fortunes}
     * @return all entries
     * @throws DatasetFormatException if a file is invalid or the directory holds no cookie file
     * @throws IOException if the directory cannot be listed
     */
    public static List<String> readDirectory(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith(".") && !n.endsWith(".dat") && !n.endsWith(".u8") && !NOT_COOKIES.contains(n);
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new DatasetFormatException(dir, "holds no fortune files");
        }
        List<String> all = new ArrayList<>();
        for (Path f : files) {
            all.addAll(read(f));
        }
        return all;
    }
}
