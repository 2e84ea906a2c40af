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
        // the third decoder continues the second twice (copying, then copying after <sep>); the card keeps the chain
        assertTrue(card.data().startsWith(Decoders.CONTINUED) && card.command().contains("--echo-documents")
                && card.data().contains("--repeat-documents") && card.data().contains("--untied-head"), card.data());
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

    /**
     * {@code --lora-targets ...,lm_head} on a tied decoder (a small random one: the shipped decoder has its own head):
     * the untied copy computes the same logits, has an output matrix of its own, and LoRA wraps its head; an untied
     * decoder, such as the shipped one, is used as it is.
     */
    @Test
    void anOwnHeadKeepsTheLogitsAndTakesLora() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaForCausalLM shipped = LlamaForCausalLM.fromPretrained(TraceOfflineCommand.shippedDecoder(), m);
            assertTrue(!shipped.config().tieWordEmbeddings());
            assertTrue(TraceOfflineCommand.withOwnHead(shipped, m) == shipped);
            ai.djl.engine.Engine.getInstance().setRandomSeed(7);
            LlamaForCausalLM tied = new LlamaForCausalLM(new io.github.treelora.djl.models.llama.LlamaConfig("llama",
                    1000, 16, 24, 2, 2, 2, 8, 1e-6, 10000.0, null, 64, true, false, false, false, null));
            tied.initializeParameters(m);
            ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(m, false);
            ai.djl.ndarray.NDArray ids = m.create(new long[] {2, 215, 627, 234, 235, 4, 2, 49, 3, 0},
                    new ai.djl.ndarray.types.Shape(2, 5));
            float[] before = tied.logits(ps, ids, null, null, false).toFloatArray();
            LlamaForCausalLM own = TraceOfflineCommand.withOwnHead(tied, m);
            assertTrue(!own.config().tieWordEmbeddings() && own.namedParameters().containsKey("lm_head.weight"));
            float[] after = own.logits(ps, ids, null, null, false).toFloatArray();
            assertEquals(before.length, after.length);
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i], after[i], 1e-5, "logit " + i);
            }
            io.github.treelora.djl.lora.LoraConfig lora = io.github.treelora.djl.lora.LoraConfig.builder().rank(2)
                    .alpha(4).targetModules("lm_head").build();
            List<String> wrapped = io.github.treelora.djl.lora.LoraInjector.inject(own, "default", lora);
            assertEquals(List.of("lm_head"), wrapped);
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
