package io.github.treelora.examples.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.examples.decoder.DecoderCard;
import io.github.treelora.examples.decoder.Decoders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trace-offline stream's shipped decoder: self-pretrained (its card says so and names the corpus), float16 and
 * small, its tokenizer knows every answer word the stream's classification and arithmetic tasks need, and its
 * perplexity on the shipped glosses held out of pretraining matches the card.
 */
class ShippedTraceDecoderTest {

    @Test
    void selfPretrainedWithACardThatMatchesTheWeights() throws Exception {
        Path dir = TraceOfflineCommand.shippedDecoder();
        DecoderCard card = Decoders.readCard(dir);
        assertEquals("self-pretrained", card.provenance());
        assertTrue(card.data().contains("python3-docutils") && card.data().contains("fortunes-de"), card.data());
        assertEquals("float16", card.storedAs());
        assertTrue(card.command().contains("--corpus trace"), card.command());
        assertTrue(Files.size(dir.resolve("model.safetensors")) < 25L * 1024 * 1024);
        List<String> heldOut = Files.readAllLines(dir.resolve(Decoders.HELD_OUT_FILE));
        try (NDManager m = NDManager.newBaseManager();
                HfTokenizer tok = Decoders.tokenizer(dir)) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(dir, m);
            double ppl = Decoders.perplexity(lm, Decoders.documents(tok, heldOut, 64), m);
            // the card's value is over all held-out glosses, this over the shipped sample of them
            assertTrue(ppl > 1 && ppl < 1.15 * card.heldOutPerplexity() && ppl < lm.config().vocabSize() / 50.0,
                    "held-out perplexity " + ppl + ", card " + card.heldOutPerplexity());
        }
    }

    @Test
    void theVocabularyHoldsTheAnswersOfTheClassificationAndArithmeticTasks() throws Exception {
        List<String> vocab = List.of(TraceData.vocabulary(TraceOfflineCommand.shippedDecoder()));
        for (String w : TraceStream.SUPERSENSES) {
            assertTrue(vocab.contains(w.substring(w.indexOf('.') + 1)), w);
        }
        TraceSources.LANGUAGE_DIRS.keySet().forEach(l -> assertTrue(vocab.contains(l), l));
        for (int i = 0; i <= 25; i++) {
            assertTrue(vocab.contains(Integer.toString(i)), "number " + i);
        }
        assertEquals(List.of("<pad>", "<unk>", "<s>", "</s>", "<sep>"), vocab.subList(0, 5));
    }
}
