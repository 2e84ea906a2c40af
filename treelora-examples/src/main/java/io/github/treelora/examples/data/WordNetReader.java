package io.github.treelora.examples.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Parses WordNet {@code data.noun} / {@code data.verb} files (the Princeton "wndb" format of WordNet 3.x)
 * into glosses labelled with their supersense, i.e. the synset's lexicographer file.
 *
 * <p>A data line is {@code offset lex_filenum ss_type w_cnt word lex_id ... p_cnt pointers... [frames] |
 * gloss}: the second field (two decimal digits) is the lexicographer file number, the supersense id, an
 * index into {@link #LEXNAMES}; {@code w_cnt} is two hexadecimal digits. Lines starting with two spaces
 * are the license header and are skipped. Only nouns ({@code noun.*}, ids 3..28, 26 classes) and verbs
 * ({@code verb.*}, ids 29..43, 15 classes) are supported: 41 supersenses in all. Adjectives and adverbs
 * ({@code adj.all}, {@code adj.pert}, {@code adv.all}, {@code adj.ppl}) are excluded because they have
 * only 4 coarse classes.
 */
public final class WordNetReader {

    /**
     * The 45 lexicographer file names of WordNet 3.x (the {@code lexnames} file); the supersense id is the
     * index.
     */
    public static final List<String> LEXNAMES = List.of(
            "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
            "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling",
            "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object", "noun.person",
            "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
            "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
            "verb.cognition", "verb.communication", "verb.competition", "verb.consumption", "verb.contact",
            "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession", "verb.social",
            "verb.stative", "verb.weather", "adj.ppl");

    /** A part of speech whose data file this reader parses. */
    public enum PartOfSpeech {
        /** Nouns: file {@code data.noun}, synset type {@code n}, supersenses {@code noun.*}. */
        NOUN("data.noun", 'n', "noun."),
        /** Verbs: file {@code data.verb}, synset type {@code v}, supersenses {@code verb.*}. */
        VERB("data.verb", 'v', "verb.");

        private final String fileName;
        private final char synsetType;
        private final String lexPrefix;

        PartOfSpeech(String fileName, char synsetType, String lexPrefix) {
            this.fileName = fileName;
            this.synsetType = synsetType;
            this.lexPrefix = lexPrefix;
        }

        /**
         * Returns the data file name in a WordNet dict directory.
         *
         * @return {@code data.noun} or {@code data.verb}
         */
        public String fileName() {
            return fileName;
        }
    }

    /**
     * One synset.
     *
     * @param offset the byte offset that identifies the synset in its file (8 digits)
     * @param pos its part of speech
     * @param supersense the lexicographer file number, an index into {@link #LEXNAMES}
     * @param words its lemmas as written in the file (underscores for spaces)
     * @param gloss the gloss: definition and quoted examples, trimmed
     */
    public record Synset(String offset, PartOfSpeech pos, int supersense, List<String> words, String gloss) {
        /**
         * Copies the word list.
         *
         * @param offset the synset offset
         * @param pos its part of speech
         * @param supersense the lexicographer file number
         * @param words its lemmas
         * @param gloss the gloss
         */
        public Synset {
            Objects.requireNonNull(offset, "offset");
            Objects.requireNonNull(pos, "pos");
            Objects.requireNonNull(gloss, "gloss");
            words = List.copyOf(words);
        }

        /**
         * Returns the supersense name, e.g. {@code noun.animal}.
         *
         * @return {@code LEXNAMES.get(supersense())}
         */
        public String supersenseName() {
            return LEXNAMES.get(supersense);
        }
    }

    private WordNetReader() {}

    /**
     * Returns the name of a supersense id.
     *
     * @param id the lexicographer file number
     * @return its name, e.g. {@code noun.Tops} for 3
     * @throws IllegalArgumentException if {@code id} is outside 0..44
     */
    public static String lexName(int id) {
        if (id < 0 || id >= LEXNAMES.size()) {
            throw new IllegalArgumentException("supersense id " + id + " is outside 0.." + (LEXNAMES.size() - 1));
        }
        return LEXNAMES.get(id);
    }

    /**
     * Parses one data file.
     *
     * @param file a {@code data.noun} or {@code data.verb} file
     * @param pos the part of speech that file holds
     * @return its synsets in file order
     * @throws DatasetFormatException naming the file and line if a line is malformed or holds no synset
     * @throws IOException if the file cannot be read
     */
    public static List<Synset> readSynsets(Path file, PartOfSpeech pos) throws IOException {
        List<Synset> out = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.startsWith("  ") || line.isBlank()) {
                    continue; // license header
                }
                out.add(parseLine(file, lineNo, line, pos));
            }
        }
        if (out.isEmpty()) {
            throw new DatasetFormatException(file, "holds no synset lines");
        }
        return out;
    }

    /**
     * Reads glosses of the given parts of speech from a WordNet dict directory into a text dataset:
     * text = gloss, label = supersense id, class names = {@link #LEXNAMES} (45 names, only the chosen
     * parts of speech have samples). Nouns come first, then verbs, each in file order.
     *
     * @param dictDir the directory holding the data files
     * @param parts the parts of speech to include (non-empty)
     * @param name the dataset name
     * @return the dataset
     * @throws IOException if a file is missing, unreadable or malformed
     */
    public static TextDataset read(Path dictDir, Set<PartOfSpeech> parts, String name) throws IOException {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("choose at least one part of speech");
        }
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (PartOfSpeech pos : EnumSet.copyOf(parts)) {
            for (Synset s : readSynsets(dictDir.resolve(pos.fileName), pos)) {
                texts.add(s.gloss());
                labels.add(s.supersense());
            }
        }
        return TextDataset.of(name, texts, labels.stream().mapToInt(Integer::intValue).toArray(), LEXNAMES);
    }

    private static Synset parseLine(Path file, int lineNo, String line, PartOfSpeech pos) throws IOException {
        int bar = line.indexOf(" | ");
        if (bar < 0) {
            throw bad(file, lineNo, "no ' | ' before a gloss");
        }
        String gloss = line.substring(bar + 3).trim();
        if (gloss.isEmpty()) {
            throw bad(file, lineNo, "empty gloss");
        }
        // only the leading fields are needed; the pointer list after the words is not tokenised
        Fields f = new Fields(line, bar);
        String offset = f.next();
        String lexField = f.next();
        String type = f.next();
        String countField = f.next();
        if (countField == null) {
            throw bad(file, lineNo, "expected 'offset lex_filenum ss_type w_cnt ...' before the gloss");
        }
        if (offset.length() != 8 || !digits(offset)) {
            throw bad(file, lineNo, "synset offset '" + offset + "' is not 8 digits");
        }
        if (lexField.length() != 2 || !digits(lexField)) {
            throw bad(file, lineNo, "lexicographer file number '" + lexField + "' is not 2 digits");
        }
        int lex = Integer.parseInt(lexField);
        if (lex >= LEXNAMES.size()) {
            throw bad(file, lineNo, "lexicographer file number " + lex + " is outside 0..44");
        }
        if (!LEXNAMES.get(lex).startsWith(pos.lexPrefix)) {
            throw bad(file, lineNo, "supersense " + lex + " (" + LEXNAMES.get(lex) + ") is not a "
                    + pos.name().toLowerCase(Locale.ROOT) + " supersense");
        }
        if (type.length() != 1 || type.charAt(0) != pos.synsetType) {
            throw bad(file, lineNo, "synset type '" + type + "', expected '" + pos.synsetType + "'");
        }
        int wordCount;
        try {
            wordCount = Integer.parseInt(countField, 16);
        } catch (NumberFormatException e) {
            throw bad(file, lineNo, "word count '" + countField + "' is not hexadecimal");
        }
        if (wordCount < 1) {
            throw bad(file, lineNo, "word count " + wordCount + " must be positive");
        }
        List<String> words = new ArrayList<>(wordCount);
        for (int w = 0; w < wordCount; w++) {
            String word = f.next();
            String lexId = f.next();
            if (lexId == null) {
                throw bad(file, lineNo, "word count " + wordCount + " but only " + w
                        + " word/lex_id pairs before the gloss");
            }
            words.add(word);
        }
        return new Synset(offset, pos, lex, words, gloss);
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Space-separated fields of a line up to an end position, read one at a time. */
    private static final class Fields {
        private final String line;
        private final int end;
        private int pos;

        Fields(String line, int end) {
            this.line = line;
            this.end = end;
        }

        /** Returns the next field, or null when none is left before the end. */
        String next() {
            while (pos < end && line.charAt(pos) == ' ') {
                pos++;
            }
            if (pos >= end) {
                return null;
            }
            int start = pos;
            while (pos < end && line.charAt(pos) != ' ') {
                pos++;
            }
            return line.substring(start, pos);
        }
    }

    private static DatasetFormatException bad(Path file, int lineNo, String problem) {
        return new DatasetFormatException(file, "line " + lineNo + ": " + problem);
    }
}
