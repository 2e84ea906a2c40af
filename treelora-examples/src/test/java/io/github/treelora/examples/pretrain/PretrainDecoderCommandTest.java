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
import io.github.treelora.examples.decoder.WordLevelVocabulary;
import ai.djl.nn.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        List<String> args = new ArrayList<>(List.of("--output", dir.toString(), "--hidden", "16", "--layers", "1",
                "--heads", "2", "--intermediate", "32"));
        args.addAll(List.of(options));
        pretrain(args.toArray(String[]::new)).assertSucceeded();
    }

    /** Runs {@code pretrain-decoder} on real texts with a small batch and sequence, plus {@code options}. */
    private static CliRun pretrain(String... options) throws Exception {
        Path cache = RequiredData.cache(Datasets::wordnet, Datasets::fortunes);
        List<String> args = new ArrayList<>(List.of("pretrain-decoder", "--data", cache.toString(), "--batch", "4",
                "--seq", "16"));
        args.addAll(List.of(options));
        return CliRun.execute(args.toArray(String[]::new));
    }

    @Test
    void continuingADecoderStartsFromItsWeightsAndKeepsItsTokenizer() throws Exception {
        Path base = dir.resolve("base");
        Path continued = dir.resolve("continued");
        pretrain("--output", base.toString(), "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate",
                "32", "--untied-head", "--steps", "3", "--text-limit", "300", "--vocab", "300").assertSucceeded();
        // a learning rate far below float16's resolution: the written weights must be the initial ones
        pretrain("--init", base.toString(), "--output", continued.toString(), "--steps", "1", "--lr", "1e-12",
                "--text-limit", "200", "--repeat-documents", "20").assertSucceeded();
        assertEquals(WordLevelVocabulary.read(base.resolve("tokenizer.json")),
                WordLevelVocabulary.read(continued.resolve("tokenizer.json")));
        DecoderCard card = Decoders.readCard(continued);
        assertEquals(1, card.steps());
        assertTrue(card.data().startsWith("continued from a decoder pretrained with `treelora pretrain-decoder")
                && card.data().contains("plus 20 documents that write a span"), card.data());
        assertTrue(card.command().contains("--init"), card.command());
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaForCausalLM before = LlamaForCausalLM.fromPretrained(base, m);
            LlamaForCausalLM after = LlamaForCausalLM.fromPretrained(continued, m);
            assertEquals(before.config(), after.config());
            Map<String, Parameter> a = after.namedParameters();
            assertEquals(before.namedParameters().keySet(), a.keySet());
            before.namedParameters().forEach((name, p) -> assertTrue(
                    p.getArray().sub(a.get(name).getArray()).abs().max().getFloat() < 1e-6f, name));
        }
    }

    @Test
    void continuingRefusesArchitectureOptionsAndIncompleteDirectories() throws Exception {
        Path output = dir.resolve("never");
        CliRun withWidth = pretrain("--init", dir.toString(), "--hidden", "32", "--output", output.toString());
        assertEquals(2, withWidth.code(), withWidth.err());
        assertTrue(withWidth.err().contains("[--hidden] cannot be given with --init"), withWidth.err());
        CliRun empty = pretrain("--init", dir.toString(), "--output", output.toString());
        assertEquals(2, empty.code(), empty.err());
        assertTrue(empty.err().contains("is not a decoder directory: config.json is missing"), empty.err());
        assertTrue(!Files.exists(output));
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
                "40", "--echo-documents", "30");
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(dir, m);
            assertTrue(!lm.config().tieWordEmbeddings() && lm.namedParameters().containsKey("lm_head.weight"));
        }
        DecoderCard card = Decoders.readCard(dir);
        assertTrue(card.data().contains("plus 40 documents that write a span"), card.data());
        assertTrue(card.data().contains("plus 30 documents that write a span of 4 to 20 consecutive words of a "
                + "pretraining text, <sep> and the span again"), card.data());
    }

    @Test
    void aNegativeRepetitionCountIsRefusedByName() {
        Path output = dir.resolve("never");
        for (String option : List.of("--repeat-documents", "--echo-documents")) {
            CliRun run = CliRun.execute("pretrain-decoder", option, "-1", "--output", output.toString());
            assertEquals(2, run.code(), run.err());
            assertTrue(run.err().contains(option), run.err());
            assertTrue(!Files.exists(output));
        }
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
