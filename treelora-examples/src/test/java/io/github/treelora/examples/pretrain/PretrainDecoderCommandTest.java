package io.github.treelora.examples.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import io.github.treelora.examples.decoder.DecoderCard;
import io.github.treelora.examples.decoder.Decoders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain-decoder} on a few hundred real texts with a tiny model: writes every file of the Hugging Face
 * layout, the card says "self-pretrained" and matches the options, and the directory loads back. Skipped without
 * the data, unless {@code TREELORA_REQUIRE_DATA=true}.
 */
class PretrainDecoderCommandTest {
    @TempDir
    Path dir;

    /** Runs a tiny pretraining on real texts into {@code dir}; asserts it succeeds. */
    private void pretrainTiny(String... options) throws Exception {
        Path cache = RequiredData.cache(Datasets::wordnet, Datasets::fortunes);
        List<String> args = new ArrayList<>(List.of("pretrain-decoder", "--output", dir.toString(), "--data",
                cache.toString(), "--batch", "4", "--seq", "16", "--hidden", "16", "--layers", "1", "--heads", "2",
                "--intermediate", "32"));
        args.addAll(List.of(options));
        CliRun.execute(args.toArray(String[]::new)).assertSucceeded();
    }

    @Test
    void writesALoadableSelfPretrainedDecoder() throws Exception {
        pretrainTiny("--steps", "3", "--text-limit", "300", "--vocab", "300");
        for (String f : Decoders.FILES) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f + " missing");
        }
        DecoderCard card = Decoders.readCard(dir);
        assertEquals("self-pretrained", card.provenance());
        assertEquals(3, card.steps());
        assertTrue(card.command().contains("pretrain-decoder") && card.heldOutPerplexity() > 1, card.toString());
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(dir, m);
            assertEquals(300, lm.config().vocabSize());
            assertEquals(16, lm.config().hiddenSize());
            assertTrue(lm.config().tieWordEmbeddings());
        }
    }

    @Test
    void anUntiedHeadIsWrittenAsItsOwnMatrix() throws Exception {
        pretrainTiny("--untied-head", "--steps", "2", "--text-limit", "200", "--vocab", "200", "--repeat-documents",
                "40");
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(dir, m);
            assertTrue(!lm.config().tieWordEmbeddings() && lm.namedParameters().containsKey("lm_head.weight"));
        }
        DecoderCard card = Decoders.readCard(dir);
        assertTrue(card.data().contains("plus 40 documents that write a span"), card.data());
    }

    @Test
    void aNegativeRepetitionCountIsRefusedByName() {
        Path output = dir.resolve("never");
        CliRun run = CliRun.execute("pretrain-decoder", "--repeat-documents", "-1", "--output", output.toString());
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("--repeat-documents"), run.err());
        assertTrue(!Files.exists(output));
    }

    @Test
    void theTraceCorpusRefusesAnotherHeldOutRule() {
        Path output = dir.resolve("never");
        CliRun run = CliRun.execute("pretrain-decoder", "--corpus", "trace", "--held-out-every", "10", "--output",
                output.toString());
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("--held-out-every does not apply to --corpus trace"), run.err());
        assertTrue(!Files.exists(output));
    }
}
