package io.github.treelora.examples.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped self-pretrained decoder: its card says so, its config round-trips, its tokenizer agrees with the
 * Java word split, and its perplexity on glosses held out of pretraining is far below a uniform guess.
 */
class ShippedDecoderTest {

    /**
     * Measured 43.98 on the shipped weights (1,000 pretraining steps) with these 200 held-out glosses (2026-11-22;
     * 40.91 over all 1,920 held-out glosses, see the card); the bound allows 10 %. A uniform guess would score the
     * vocabulary size, 4096; the first 120-step decoder scored 158.50.
     */
    static final double PERPLEXITY_BOUND = 48.5;

    @Test
    void loadsAndPredictsHeldOutGlossesFarBetterThanChance() throws Exception {
        Path dir = Decoders.shipped();
        DecoderCard card = Decoders.readCard(dir);
        assertEquals("self-pretrained", card.provenance());
        assertTrue(card.data().contains("WordNet") && card.data().contains("fortunes"), card.data());
        List<String> heldOut = Files.readAllLines(dir.resolve(Decoders.HELD_OUT_FILE));
        assertEquals(200, heldOut.size());
        try (NDManager m = NDManager.newBaseManager();
                HfTokenizer tok = Decoders.tokenizer(dir)) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(dir, m);
            LlamaConfig c = lm.config();
            assertEquals(c, LlamaConfig.fromJson(Decoders.hfConfig(c).toString()));
            double ppl = Decoders.perplexity(lm, Decoders.documents(tok, heldOut, 64), m);
            System.out.println("shipped decoder: perplexity on the 200 shipped held-out glosses " + ppl);
            assertTrue(ppl > 1 && ppl < PERPLEXITY_BOUND, "held-out perplexity " + ppl);
        }
    }

    @Test
    void theNativeTokenizerSplitsLikeTheVocabularyBuilder() throws Exception {
        Path dir = Decoders.shipped();
        String text = "A domesticated carnivorous mammal (Canis familiaris); barks -- loudly!";
        List<String> words = WordLevelVocabulary.words(text);
        assertEquals(List.of("a", "domesticated", "carnivorous", "mammal", "(", "canis", "familiaris", ");", "barks",
                "--", "loudly", "!"), words);
        com.fasterxml.jackson.databind.JsonNode vocab = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("tokenizer.json").toFile()).get("model").get("vocab");
        long[] expected = words.stream().mapToLong(w -> vocab.has(w) ? vocab.get(w).asLong() : 1L).toArray();
        try (HfTokenizer tok = Decoders.tokenizer(dir)) {
            assertArrayEquals(expected, tok.encode(text).ids()[0]);
        }
        assertEquals(0, vocab.get(WordLevelVocabulary.PAD).asInt());
        assertEquals(4, vocab.get(WordLevelVocabulary.SEP).asInt());
        assertTrue(vocab.has("animal") && vocab.has("noun") && vocab.has("verb"));
    }
}
