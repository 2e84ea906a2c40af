package io.github.treelora.examples.trace;

import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.WordNetReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pretraining text the TRACE-like stream adds to the decoder's WordNet-gloss and English-fortune corpus: German,
 * Spanish and Italian fortunes (those {@link TraceSources#heldOutFortune} holds out excepted), the training part of
 * the Python files (in documents of {@value #CODE_LINES_PER_DOCUMENT}
 * consecutive non-blank lines; held-out files never enter), and seeded arithmetic equations. Plain text only: no
 * task prompt, label or answer format. {@link #texts} writes the WordNet glosses as dictionary entries, after their
 * headwords.
 */
public final class TraceCorpus {

    /** Non-blank code lines per pretraining document. */
    public static final int CODE_LINES_PER_DOCUMENT = 8;

    /** Arithmetic documents added to the corpus. */
    public static final int EQUATION_DOCUMENTS = 20_000;

    private TraceCorpus() {}

    /**
     * The glosses and English fortunes of the trace decoder's corpus, split by {@link TraceSources#heldOutGloss} and
     * {@link TraceSources#heldOutFortune}.
     *
     * @param glosses WordNet noun and verb glosses for pretraining
     * @param heldOutGlosses the held-out glosses (perplexity; the stream's validation and test WordNet examples)
     * @param englishFortunes English fortunes for pretraining (the held-out ones left out)
     */
    public record Texts(List<String> glosses, List<String> heldOutGlosses, List<String> englishFortunes) {
        /** Copies the lists. */
        public Texts {
            glosses = List.copyOf(glosses);
            heldOutGlosses = List.copyOf(heldOutGlosses);
            englishFortunes = List.copyOf(englishFortunes);
        }
    }

    /**
     * The WordNet glosses (nouns and verbs) and English fortunes (Debian fortunes-min + fortunes) of the corpus,
     * with the held-out texts separated. A pretraining gloss is written as a dictionary prints it, after its
     * headwords ({@link #dictionaryEntry}); a held-out gloss is held out with its headwords, and is kept as the bare
     * gloss, for the perplexity.
     *
     * @param cache the data cache
     * @return the split texts, in source order
     * @throws IOException if a source is missing or invalid
     */
    public static Texts texts(Path cache) throws IOException {
        List<String> glosses = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        for (WordNetReader.Synset s : TraceSources.synsets(cache)) {
            if (TraceSources.heldOutGloss(s.gloss())) {
                heldOut.add(s.gloss());
            } else {
                glosses.add(dictionaryEntry(s));
            }
        }
        List<String> fortunes = new ArrayList<>();
        for (String f : Datasets.fortunes(cache)) {
            if (!TraceSources.heldOutFortune(f)) {
                fortunes.add(f);
            }
        }
        return new Texts(glosses, heldOut, fortunes);
    }

    /**
     * A synset as a dictionary entry: its headwords (underscores as spaces), a colon, its gloss, as in
     * {@code "date bread, date loaf: bread containing chopped dates"}.
     *
     * @param synset the synset
     * @return the entry
     */
    public static String dictionaryEntry(WordNetReader.Synset synset) {
        return String.join(", ", synset.words().stream().map(w -> w.replace('_', ' ')).toList()) + ": "
                + synset.gloss();
    }

    /**
     * The added documents.
     *
     * @param cache the data cache
     * @param seed seed of the equations
     * @return documents, in source order (the caller shuffles)
     * @throws IOException if a source is missing or invalid
     */
    public static List<String> extraTexts(Path cache, long seed) throws IOException {
        List<String> out = new ArrayList<>();
        for (String language : TraceSources.LANGUAGE_DIRS.keySet()) {
            if (!language.equals("english")) {
                for (String f : TraceSources.fortunes(cache, language)) {
                    if (!TraceSources.heldOutFortune(f)) {
                        out.add(f);
                    }
                }
            }
        }
        List<TraceSources.CodeFile> files = TraceSources.pythonFiles(cache);
        for (int f = 0; f < files.size(); f++) {
            if (TraceSources.heldOutCodeFile(f)) {
                continue;
            }
            List<String> lines = CodeLines.nonBlank(files.get(f).lines());
            for (int from = 0; from < lines.size(); from += CODE_LINES_PER_DOCUMENT) {
                out.add(String.join(" ", lines.subList(from, Math.min(lines.size(), from + CODE_LINES_PER_DOCUMENT))));
            }
        }
        out.addAll(Arithmetic.equations(seed, EQUATION_DOCUMENTS, 4));
        return out;
    }

    /**
     * Words the vocabulary must hold for the stream's answers: the language names and the arithmetic vocabulary.
     *
     * @return the words
     */
    public static List<String> requiredWords() {
        List<String> w = new ArrayList<>(TraceSources.LANGUAGE_DIRS.keySet());
        w.addAll(Arithmetic.vocabulary());
        return w;
    }

    /** One-line description for the decoder card. */
    static final String DESCRIPTION = "the glosses as dictionary entries (headwords, a colon, the gloss), plus Debian fortunes-de 0.35-1, fortunes-es 1.36, fortunes-it 1.99-4.1 "
            + "(pictures and translations left out; like the English fortunes and the glosses, one text in "
            + TraceSources.TEXT_HELD_OUT_EVERY + " chosen by a hash of the prompt it would make held out for the "
            + "stream's validation and test splits), the .py files of Debian python3-docutils 0.19+dfsg-6 except every "
            + TraceSources.CODE_HELD_OUT_EVERY + "th file (held out for the code task), in documents of "
            + CODE_LINES_PER_DOCUMENT + " non-blank lines, and " + EQUATION_DOCUMENTS
            + " documents of 4 seeded arithmetic equations (a + b, a - b, a * b)";

    /**
     * The card's description of the added text.
     *
     * @return one line
     */
    public static String description() {
        return DESCRIPTION;
    }
}
