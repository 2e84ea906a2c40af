package io.github.treelora.examples.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void writesALoadableSelfPretrainedDecoder() throws Exception {
        Path cache = RequiredData.cache(Datasets::wordnet, Datasets::fortunes);
        CliRun run = CliRun.execute("pretrain-decoder", "--output", dir.toString(), "--data", cache.toString(),
                "--steps", "3", "--batch", "4", "--seq", "16", "--text-limit", "300", "--vocab", "300",
                "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32").assertSucceeded();
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
        }
    }
}
