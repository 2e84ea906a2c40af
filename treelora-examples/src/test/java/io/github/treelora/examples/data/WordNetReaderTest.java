package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.examples.data.WordNetReader.PartOfSpeech;
import io.github.treelora.examples.data.WordNetReader.Synset;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WordNet data-file parsing on hand-written snippets in the wndb format (test resources wordnet/). */
class WordNetReaderTest {
    @TempDir
    Path tmp;

    private static Path dict() throws URISyntaxException {
        return Path.of(WordNetReaderTest.class.getResource("wordnet/data.noun").toURI()).getParent();
    }

    @Test
    void parsesNounSynsetsAndSkipsTheLicenseHeader() throws Exception {
        List<Synset> nouns = WordNetReader.readSynsets(dict().resolve("data.noun"), PartOfSpeech.NOUN);
        assertEquals(4, nouns.size());
        Synset entity = nouns.get(0);
        assertEquals("00001740", entity.offset());
        assertEquals(3, entity.supersense());
        assertEquals("noun.Tops", entity.supersenseName());
        assertEquals(List.of("entity"), entity.words());
        assertEquals("that which is perceived or known or inferred to have its own distinct existence "
                + "(living or nonliving)", entity.gloss());
        Synset dog = nouns.get(1);
        assertEquals(5, dog.supersense());
        assertEquals("noun.animal", dog.supersenseName());
        assertEquals(List.of("dog", "domestic_dog", "Canis_familiaris"), dog.words());
        assertEquals("a member of the genus Canis; \"the dog barked all night\"", dog.gloss());
        // w_cnt is hexadecimal: 0a = 10 words
        assertEquals(10, nouns.get(3).words().size());
        assertEquals("noun.person", nouns.get(3).supersenseName());
    }

    @Test
    void readsNounsThenVerbsIntoATextDataset() throws Exception {
        TextDataset d = WordNetReader.read(dict(), EnumSet.of(PartOfSpeech.VERB, PartOfSpeech.NOUN), "wn");
        assertEquals(6, d.size());
        assertArrayEquals(new int[] {3, 5, 6, 18, 34, 38}, d.labels());
        assertEquals("take in solid food; \"She was eating a banana\"", d.text(4));
        assertEquals("use one's feet to advance; advance by steps", d.text(5));
        assertEquals(45, d.numClasses());
        assertEquals("verb.consumption", d.classNames().get(34));
        assertEquals("verb.motion", d.classNames().get(38));

        TextDataset verbs = WordNetReader.read(dict(), EnumSet.of(PartOfSpeech.VERB), "v");
        assertArrayEquals(new int[] {34, 38}, verbs.labels());
    }

    @Test
    void lexnamesTableMatchesTheWordNetNumbering() {
        assertEquals(45, WordNetReader.LEXNAMES.size());
        assertEquals("adj.all", WordNetReader.lexName(0));
        assertEquals("noun.Tops", WordNetReader.lexName(3));
        assertEquals("noun.time", WordNetReader.lexName(28));
        assertEquals("verb.body", WordNetReader.lexName(29));
        assertEquals("verb.weather", WordNetReader.lexName(43));
        assertEquals("adj.ppl", WordNetReader.lexName(44));
        long nounsAndVerbs = WordNetReader.LEXNAMES.stream()
                .filter(n -> n.startsWith("noun.") || n.startsWith("verb.")).count();
        assertEquals(41, nounsAndVerbs);
        assertThrows(IllegalArgumentException.class, () -> WordNetReader.lexName(45));
    }

    private String error(String line, PartOfSpeech pos) throws IOException {
        Path f = Files.writeString(tmp.resolve(pos.fileName()), "  1 license header  \n" + line + "  \n");
        String m = assertThrows(DatasetFormatException.class, () -> WordNetReader.readSynsets(f, pos)).getMessage();
        assertTrue(m.startsWith(f + ": line 2: "), m);
        return m;
    }

    @Test
    void malformedLinesNameFileLineAndProblem() throws IOException {
        assertTrue(error("03222722 06 n 01 dome 0 001 @ 04105893 n 0000 a hemispherical roof", PartOfSpeech.NOUN)
                .contains("no ' | ' before a gloss"));
        assertTrue(error("01170802 34 v 01 eat 0 000 | take in food", PartOfSpeech.NOUN)
                .contains("supersense 34 (verb.consumption) is not a noun supersense"));
        assertTrue(error("3222722 06 n 01 dome 0 000 | a roof", PartOfSpeech.NOUN)
                .contains("synset offset '3222722' is not 8 digits"));
        assertTrue(error("03222722 06 v 01 dome 0 000 | a roof", PartOfSpeech.NOUN)
                .contains("synset type 'v', expected 'n'"));
        assertTrue(error("03222722 06 n 03 dome 0 000 | a roof", PartOfSpeech.NOUN)
                .contains("word count 3 but only 1 word/lex_id pairs before the gloss"));
        assertTrue(error("03222722 06 n zz dome 0 000 | a roof", PartOfSpeech.NOUN)
                .contains("word count 'zz' is not hexadecimal"));
        assertTrue(error("03222722 46 n 01 dome 0 000 | a roof", PartOfSpeech.NOUN)
                .contains("lexicographer file number 46 is outside 0..44"));
        Path headerOnly = Files.writeString(tmp.resolve("empty.noun"), "  1 license only  \n");
        assertTrue(assertThrows(DatasetFormatException.class,
                () -> WordNetReader.readSynsets(headerOnly, PartOfSpeech.NOUN)).getMessage().contains("no synset"));
    }
}
