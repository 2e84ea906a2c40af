package io.github.treelora.examples.trace;

import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.FortuneReader;
import io.github.treelora.examples.data.MissingDatasetException;
import io.github.treelora.examples.data.WordNetReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The raw offline text behind the TRACE-like stream and the self-pretrained decoder, read from the data cache that
 * {@code scripts/fetch-data.sh} fills: WordNet synsets, fortunes per language, and the Python files of Debian's
 * python3-docutils. Python files are split once, by their sorted position, into a training part and a held-out
 * part ({@link #heldOutCodeFile}); the held-out files feed only the code task's validation and test splits and
 * never the decoder's pretraining.
 */
public final class TraceSources {

    /** The fortune languages, in label order, with their cache directories. */
    public static final Map<String, String> LANGUAGE_DIRS = languageDirs();

    /** Cookie files that hold pictures or translations, not plain text of their directory's language. */
    static final Set<String> SKIPPED_FORTUNE_FILES = Set.of("copyright", "ascii-art", "asciiart", "banner",
            "translations");

    /** Every {@value}-th Python file (in sorted path order, from the first) is held out of training and pretraining. */
    public static final int CODE_HELD_OUT_EVERY = 4;

    /**
     * One gloss or fortune in this many, chosen by the prompt it would make ({@link #heldOutGloss},
     * {@link #heldOutFortune}), is held out of the decoder's pretraining; the stream draws its validation and test
     * examples of the WordNet and fortune tasks from these texts only.
     */
    public static final int TEXT_HELD_OUT_EVERY = 20;

    private TraceSources() {}

    /**
     * Whether a WordNet gloss is held out of pretraining. Decided by a fixed hash of the prompt the stream would make
     * of it (its definition, cut to {@link TraceStream#MAX_PROMPT_WORDS} words, in surface form), so that the
     * decision does not depend on order or seed, and glosses that would make the same prompt share it.
     *
     * @param gloss a whole gloss ({@code Synset.gloss()})
     * @return true for about one gloss in {@link #TEXT_HELD_OUT_EVERY}
     */
    public static boolean heldOutGloss(String gloss) {
        return heldOutKey(TraceStream.cut(TraceStream.definition(gloss), TraceStream.MAX_PROMPT_WORDS));
    }

    /**
     * Whether a fortune is held out of pretraining: as {@link #heldOutGloss}, by the prompt the language task would
     * make of it (its first {@link TraceStream#FORTUNE_PROMPT_WORDS} words).
     *
     * @param fortune a whole fortune entry
     * @return true for about one fortune in {@link #TEXT_HELD_OUT_EVERY}
     */
    public static boolean heldOutFortune(String fortune) {
        return heldOutKey(TraceStream.cut(fortune, TraceStream.FORTUNE_PROMPT_WORDS));
    }

    private static boolean heldOutKey(String prompt) {
        return Math.floorMod(prompt.hashCode(), TEXT_HELD_OUT_EVERY) == 0;
    }

    private static Map<String, String> languageDirs() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("english", "fortunes");
        m.put("german", "fortunes-de");
        m.put("spanish", "fortunes-es");
        m.put("italian", "fortunes-it");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** One Python source file: its path below the package directory and its lines. */
    public record CodeFile(String path, List<String> lines) {
        /**
         * Copies the lines.
         *
         * @param path relative path
         * @param lines the lines
         */
        public CodeFile {
            lines = List.copyOf(lines);
        }
    }

    /**
     * The noun and verb synsets of WordNet 3.1, nouns first, in file order.
     *
     * @param cache the data cache
     * @return the synsets
     * @throws IOException if WordNet is missing ({@link MissingDatasetException}) or malformed
     */
    public static List<WordNetReader.Synset> synsets(Path cache) throws IOException {
        Path dir = cache.resolve("wordnet");
        List<WordNetReader.Synset> all = new ArrayList<>();
        for (WordNetReader.PartOfSpeech pos : WordNetReader.PartOfSpeech.values()) {
            Path file = dir.resolve(pos.fileName());
            require(file, "WordNet", cache);
            all.addAll(WordNetReader.readSynsets(file, pos));
        }
        return all;
    }

    /**
     * The fortunes of one language: every cookie file of its directory in name order, except pictures and
     * translations ({@link #SKIPPED_FORTUNE_FILES}).
     *
     * @param cache the data cache
     * @param language a key of {@link #LANGUAGE_DIRS}
     * @return the entries
     * @throws IOException if the directory is missing ({@link MissingDatasetException}) or a file is invalid
     */
    public static List<String> fortunes(Path cache, String language) throws IOException {
        String dirName = LANGUAGE_DIRS.get(language);
        if (dirName == null) {
            throw new IllegalArgumentException("unknown fortune language '" + language + "'; known: "
                    + LANGUAGE_DIRS.keySet());
        }
        Path dir = cache.resolve(dirName);
        require(dir.resolve(".complete"), "Fortunes (" + language + ")", cache);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith(".") && !n.endsWith(".dat") && !n.endsWith(".u8")
                        && !SKIPPED_FORTUNE_FILES.contains(n);
            }).sorted().toList();
        }
        List<String> all = new ArrayList<>();
        for (Path f : files) {
            all.addAll(FortuneReader.read(f));
        }
        return all;
    }

    /**
     * The Python files of the code cache in sorted path order.
     *
     * @param cache the data cache
     * @return the files
     * @throws IOException if the code is missing ({@link MissingDatasetException}) or unreadable
     */
    public static List<CodeFile> pythonFiles(Path cache) throws IOException {
        Path dir = cache.resolve("python-code");
        require(dir.resolve(".complete"), "Python code (python3-docutils)", cache);
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".py")).sorted().toList();
        }
        List<CodeFile> out = new ArrayList<>();
        for (Path f : files) {
            out.add(new CodeFile(dir.relativize(f).toString(), Files.readAllLines(f, StandardCharsets.UTF_8)));
        }
        return out;
    }

    /**
     * Whether the Python file at a sorted position is held out (validation and test of the code task only).
     *
     * @param index position in {@link #pythonFiles}
     * @return true for every {@link #CODE_HELD_OUT_EVERY}-th file
     */
    public static boolean heldOutCodeFile(int index) {
        return index % CODE_HELD_OUT_EVERY == 0;
    }

    private static void require(Path file, String title, Path cache) throws MissingDatasetException {
        if (!Files.exists(file)) {
            throw new MissingDatasetException(title + " is not in the data cache: " + file + " is missing. "
                    + "Fetch it (from the repository root) with: " + Datasets.fetchCommand(cache));
        }
    }
}
