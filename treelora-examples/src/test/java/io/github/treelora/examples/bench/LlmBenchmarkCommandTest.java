package io.github.treelora.examples.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.examples.TreeLoraCli;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsFile;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench-llm} end to end on the tiny shape: builds a sharded BF16 checkpoint with an index, loads it, times
 * steps with and without the hook and writes the JSON and markdown results; reuses the checkpoint on a second run;
 * refuses bad options and a damaged checkpoint with a message naming the problem, leaving the files as they were.
 */
class LlmBenchmarkCommandTest {
    @TempDir
    Path work;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TreeLoraCli());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("bench-llm"));
        all.addAll(List.of(args));
        return new Run(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void buildsLoadsTimesAndWritesResultsThenReusesTheCheckpoint() throws Exception {
        Run first = run("--shape", "tiny", "--work", work.toString(), "--batch", "1,2", "--seq", "16",
                "--warmup", "1", "--repeats", "2", "--shard-gb", "0.0002");
        assertEquals(0, first.code(), first.out() + first.err());
        Path ckpt = work.resolve("tiny");
        assertTrue(Files.isRegularFile(ckpt.resolve("model.safetensors.index.json")), "sharded with an index");
        assertTrue(Files.isRegularFile(ckpt.resolve("model-00001-of-00003.safetensors")));
        // BF16 like real checkpoints; norms 1, other weights random with the configured spread.
        try (SafetensorsFile sf = SafetensorsFile.open(ckpt.resolve("model-00001-of-00003.safetensors"))) {
            assertEquals(SafetensorsDType.BF16, sf.info("model.embed_tokens.weight").dtype());
            float[] emb = sf.readFloats("model.embed_tokens.weight");
            double sq = 0;
            for (float v : emb) {
                sq += v * v;
            }
            assertEquals(RandomCheckpoint.STD, Math.sqrt(sq / emb.length), 0.002);
            float[] norm = sf.readFloats("model.layers.0.input_layernorm.weight");
            float[] ones = new float[norm.length];
            java.util.Arrays.fill(ones, 1f);
            assertArrayEquals(ones, norm);
        }
        JsonNode json = new ObjectMapper().readTree(work.resolve("bench-llm-tiny-float32.json").toFile());
        assertEquals("tiny", json.get("shape").asText());
        assertEquals(202_048, json.get("parameters").asLong());
        assertEquals(3, json.at("/checkpoint/files").asInt());
        assertTrue(json.at("/load/gb_per_s").asDouble() > 0);
        assertTrue(json.at("/load/peak_rss_bytes").asLong() > 0);
        assertEquals(2, json.get("steps").size());
        JsonNode row = json.get("steps").get(1);
        assertEquals(2, row.get("batch").asInt());
        assertEquals(32, row.get("tokens").asInt());
        assertEquals(2, row.get("runs_s").size());
        assertTrue(row.get("median_cpu_s").asDouble() > 0, "the step's process CPU time");
        assertEquals(2, row.at("/hook/runs_s").size());
        assertEquals(4, row.get("adapted_modules").asInt()); // q_proj and v_proj of 2 layers
        assertEquals(2 * 2 * 8 * (64 + 64) - 2 * 8 * (64 - 32), row.get("trainable").asInt()); // v_proj is 64 -> 32
        // A random model's loss is about ln(vocabulary).
        assertEquals(Math.log(1000), row.get("first_loss").asDouble(), 0.3);
        assertTrue(Files.readString(work.resolve("bench-llm-tiny-float32.md")).contains("| 2 × 16 |"));

        Run second = run("--shape", "tiny", "--work", work.toString(), "--storage", "float16", "--batch", "1",
                "--seq", "8", "--repeats", "1", "--no-hook", "--recompute");
        assertEquals(0, second.code(), second.out() + second.err());
        assertFalse(second.out().contains("building"), "the checkpoint is reused: " + second.out());
        JsonNode json2 = new ObjectMapper().readTree(work.resolve("bench-llm-tiny-float16.json").toFile());
        assertFalse(json2.at("/steps/0").has("hook"));
        assertTrue(json2.get("recompute").asBoolean());
    }

    @Test
    void refusesBadOptionsNamingEach() {
        Run bad = run("--shape", "gpt-5", "--work", work.toString(), "--storage", "bfloat16", "--batch", "0",
                "--seq", "1", "--threads", "0");
        assertEquals(2, bad.code());
        for (String s : List.of("--shape gpt-5 is out of range: it must be one of qwen2.5-0.5b|llama-3.2-1b|"
                        + "llama-3-8b|tiny", "--storage bfloat16", "--batch 0", "--seq 1", "--threads 0")) {
            assertTrue(bad.err().contains(s), s + " not in: " + bad.err());
        }
        assertFalse(Files.exists(work.resolve("tiny")));
        Run tooLong = run("--shape", "tiny", "--work", work.toString(), "--seq", "513");
        assertEquals(2, tooLong.code());
        assertTrue(tooLong.err().contains("--seq 513 is out of range: it must be at most the shape's 512"),
                tooLong.err());
    }

    @Test
    void refusesADamagedCheckpointLeavingItAsItWas() throws Exception {
        Run built = run("--shape", "tiny", "--work", work.toString(), "--build-only");
        assertEquals(0, built.code(), built.err());
        assertFalse(Files.exists(work.resolve("bench-llm-tiny-float32.json")), "--build-only writes no result");
        Path ckpt = work.resolve("tiny");
        Path weights = ckpt.resolve("model.safetensors");

        // Overwritten header bytes: same size, so only the loader's header check can find it.
        byte[] original = Files.readAllBytes(weights);
        try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) {
            f.seek(10);
            f.write("garbage!".getBytes());
        }
        byte[] damaged = Files.readAllBytes(weights);
        Run r = run("--shape", "tiny", "--work", work.toString(), "--repeats", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("the checkpoint in " + ckpt + " is damaged") && r.err().contains("model.safetensors")
                && r.err().contains("delete " + ckpt + " to rebuild it"), r.err());
        assertArrayEquals(damaged, Files.readAllBytes(weights), "the damaged file is left as it was");

        // A truncated file is found from the sizes in the manifest, before loading.
        Files.write(weights, java.util.Arrays.copyOf(original, original.length - 100));
        r = run("--shape", "tiny", "--work", work.toString(), "--repeats", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(weights + " has " + (original.length - 100) + " bytes, " + original.length
                + " when written"), r.err());

        // A directory that bench-llm did not build is never used or replaced.
        Path other = work.resolve("other");
        Files.createDirectories(other.resolve("qwen2.5-0.5b"));
        r = run("--shape", "qwen2.5-0.5b", "--work", other.toString(), "--repeats", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not a checkpoint built by bench-llm"), r.err());
    }
}
