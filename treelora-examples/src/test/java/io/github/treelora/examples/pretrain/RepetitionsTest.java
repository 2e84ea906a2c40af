package io.github.treelora.examples.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.examples.decoder.WordLevelVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepetitionsTest {

    static final List<String> TEXTS = List.of("a member of the genus Canis that has been domesticated by man",
            "too short", "def main ( ) : return 0 if ok else 1 and then some more words to draw from here");

    @Test
    void echoDocumentsPutTheSeparatorTokenBetweenTheTwoCopies() throws Exception {
        List<String> echoes = Repetitions.documents(TEXTS, 7, 100, true);
        assertEquals(100, echoes.size());
        for (String d : echoes) {
            String[] halves = d.split(" <sep> ", -1);
            assertEquals(2, halves.length, d);
            assertEquals(halves[0], halves[1], d);
            int n = halves[0].split(" ").length;
            assertTrue(n >= Repetitions.MIN_WORDS && n <= Repetitions.MAX_WORDS, d);
        }
        // other draws than the plain repetitions of the same seed
        assertNotEquals(Repetitions.documents(TEXTS, 7, 100),
                echoes.stream().map(d -> d.replace(" <sep>", "")).toList());
        // the word-level tokenizer reads the separator as its special token, not as the characters < sep >
        Path file = Files.createTempFile("echo", ".json");
        try {
            WordLevelVocabulary.write(file, WordLevelVocabulary.build(TEXTS, 64, List.of()));
            try (HfTokenizer tok = HfTokenizer.open(file,
                    new HfTokenizer.Settings(HfTokenizer.Padding.NONE, false, 0, false))) {
                long[] ids = tok.encode(List.of("a member <sep> a member")).ids()[0];
                long sep = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.SEP);
                assertEquals(5, ids.length, Arrays.toString(ids));
                assertEquals(sep, ids[2]);
                assertEquals(ids[0], ids[3]);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        assertTrue(Repetitions.echoDescription(20).contains("20 documents"));
        assertEquals("", Repetitions.echoDescription(0));
    }

    @Test
    void eachDocumentIsAContiguousSpanOfATextWrittenTwice() {
        List<String> docs = Repetitions.documents(TEXTS, 7, 300);
        assertEquals(300, docs.size());
        for (String d : docs) {
            String[] w = d.split(" ");
            assertEquals(0, w.length % 2, d);
            int n = w.length / 2;
            assertTrue(n >= Repetitions.MIN_WORDS && n <= Repetitions.MAX_WORDS, d);
            String span = String.join(" ", List.of(w).subList(0, n));
            assertEquals(span, String.join(" ", List.of(w).subList(n, 2 * n)), d);
            // from one source text, in its surface form (lower case), never from the 2-word text
            assertTrue(TEXTS.stream().anyMatch(t -> (" " + t.toLowerCase() + " ").contains(" " + span + " ")), d);
        }
        // the spans vary in length and source
        assertTrue(docs.stream().map(d -> d.split(" ").length).distinct().count() > 5);
        assertTrue(docs.stream().anyMatch(d -> d.startsWith("def") || d.contains(" return ")));
        assertTrue(docs.stream().anyMatch(d -> d.contains("canis")));
    }

    @Test
    void theSeedDecidesTheDraw() {
        assertEquals(Repetitions.documents(TEXTS, 1, 50), Repetitions.documents(TEXTS, 1, 50));
        assertNotEquals(Repetitions.documents(TEXTS, 1, 50), Repetitions.documents(TEXTS, 2, 50));
    }

    @Test
    void noneAskedIsNoneAddedAndBadInputIsRefused() {
        assertEquals(List.of(), Repetitions.documents(List.of(), 1, 0));
        assertEquals("", Repetitions.description(0));
        assertTrue(Repetitions.description(20).contains("20 documents"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Repetitions.documents(List.of("two words"), 1, 5));
        assertTrue(e.getMessage().contains("4 words"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Repetitions.documents(TEXTS, 1, -1));
    }
}
