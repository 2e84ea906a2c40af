package io.github.treelora.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextMetricsTest {

    @Test
    void exactMatchIgnoresCaseAndWhitespaceOnly() {
        assertEquals(1.0, TextMetrics.exactMatch("  Noun  Animal ", "noun animal"));
        assertEquals(0.0, TextMetrics.exactMatch("noun animals", "noun animal"));
        assertEquals(0.0, TextMetrics.exactMatch("12", "13"));
    }

    @Test
    void rougeLTokenizesLikeRougeScore() {
        assertEquals(List.of("the", "cat", "s", "hat", "3"), TextMetrics.rougeTokens("The cat's HAT, 3!"));
        assertEquals(List.of(), TextMetrics.rougeTokens("¿¡ ... !"));
    }

    @Test
    void rougeLByHand() {
        // reference 9 tokens, prediction 8, LCS "the quick brown jumps the" = 5: P 5/8, R 5/9, F = 50/85
        assertEquals(50.0 / 85.0, TextMetrics.rougeL("The quick brown dog jumps on the log.",
                "The quick brown fox jumps over the lazy dog"), 1e-12);
        assertEquals(1.0, TextMetrics.rougeL("a b c", "A B C"), 1e-12);
        // LCS "a c" = 2: P 2/2, R 2/3 -> F 0.8
        assertEquals(0.8, TextMetrics.rougeL("a c", "a b c"), 1e-12);
        assertEquals(0.0, TextMetrics.rougeL("x y", "a b"), 0.0);
        assertEquals(0.0, TextMetrics.rougeL("", "a b"), 0.0);
        assertEquals(0.0, TextMetrics.rougeL("...", "..."), 0.0);
    }

    @Test
    void editSimilarityMatchesRapidfuzzGoldenValues() throws IOException {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/metrics/edit-similarity-golden.json")) {
            root = new ObjectMapper().readTree(in);
        }
        int n = 0;
        for (JsonNode c : root.get("cases")) {
            String p = c.get("prediction").asText();
            String r = c.get("reference").asText();
            assertEquals(c.get("similarity").asDouble(), TextMetrics.editSimilarity(p, r), 1e-12, p + " | " + r);
            assertEquals(TextMetrics.editSimilarity(p, r), TextMetrics.editSimilarity(r, p), 1e-15);
            n++;
        }
        assertEquals(31, n);
    }

    @Test
    void editSimilarityByHand() {
        // kitten/sitting: LCS "ittn" = 4, 2 * 4 / 13
        assertEquals(8.0 / 13.0, TextMetrics.editSimilarity("kitten", "sitting"), 1e-12);
        assertEquals(1.0, TextMetrics.editSimilarity("", ""), 0.0);
        assertEquals(0.0, TextMetrics.editSimilarity("abc", ""), 0.0);
    }

    @Test
    void sariReproducesThePublishedExamples() {
        // Hugging Face evaluate's SARI card: 26.953601953601954 (keep 22.53, del 50.0, add 8.33); inputs here are
        // already lower-cased and tokenized (13a) as that implementation does before scoring
        String source = "about 95 species are currently accepted .";
        String prediction = "about 95 you now get in .";
        assertEquals(26.953601953601954 / 100, TextMetrics.sari(source, prediction, List.of(
                "about 95 species are currently known .", "about 95 species are now accepted .",
                "95 species are now accepted .")), 1e-12);
        // the wiki_split metric's example, one reference: 21.805555555555557
        assertEquals(21.805555555555557 / 100, TextMetrics.sari(source, prediction,
                List.of("about 95 species are currently known .")), 1e-12);
    }

    @Test
    void sariByHand() {
        // identical source, prediction and reference: keep F1 = 1, nothing deleted (P_del = 1 by 0/0 = 1), nothing
        // added (F1_add = 1 by 0/0 = 1)
        assertEquals(1.0, TextMetrics.sari("a b c", "a b c", List.of("a b c")), 1e-12);
        // the reference deletes "b": copying the source keeps b wrongly (keep P 2/3 for unigrams), deletes nothing
        // (P_del = 1), adds nothing while nothing is addable (1); a correct deletion scores 1
        assertEquals(1.0, TextMetrics.sari("a b c", "a c", List.of("a c")), 1e-12);
        double copy = TextMetrics.sari("a b c", "a b c", List.of("a c"));
        // unigram keep: P 2/3, R 1 -> 0.8; bigram: kept {ab, bc}, good none -> 0; trigram: {abc} -> 0;
        // 4-gram: nothing kept, nothing to keep -> 1 (0/0 = 1 both) ; keep = (0.8 + 0 + 0 + 1) / 4 = 0.45
        // del: nothing deleted -> 1 each; add: nothing added, but "a c" is addable for n = 2 -> R 0 -> F 0 for n = 2,
        // 1 for n = 1, 3, 4 -> 0.75
        assertEquals((0.45 + 1.0 + 0.75) / 3, copy, 1e-12);
        assertThrows(IllegalArgumentException.class, () -> TextMetrics.sari("a", "a", List.of()));
    }
}
