package io.github.treelora.examples.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.TestFiles;
import io.github.treelora.examples.TreeLoraCli;
import io.github.treelora.examples.benchmark.ContinualReport;
import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kills: a command runs in a child JVM and is killed (SIGKILL) as soon as the first task's checkpoint exists.
 * Then the output must hold the previous content (never a mix), a plain rerun and a resume with other options are
 * refused, and {@code --resume} finishes the run with the accuracies of an uninterrupted run of the same seed.
 * Small settings keep it to seconds; skipped without MNIST unless {@code TREELORA_REQUIRE_DATA=true}.
 */
class KilledRunTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int cli(List<String> args) {
        return CliRun.execute(out, err, args.toArray(String[]::new));
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /**
     * Starts {@code treelora <args>} in a child JVM with this test's class path and kills it once a complete
     * checkpoint ({@code checkpoint.json}) exists under {@code watched}.
     */
    private static void runAndKill(List<String> args, Path watched, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx2g", "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), TreeLoraCli.class.getName()));
        command.addAll(args);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (!firstCheckpointIn(watched)) {
                if (!child.isAlive()) {
                    fail("the child ended (exit " + child.exitValue() + ") before its first checkpoint:\n"
                            + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    fail("no checkpoint after 300 s:\n" + Files.readString(log));
                }
                Thread.sleep(10);
            }
            assertTrue(child.isAlive(), "killed while running, not after it ended");
        } finally {
            child.destroyForcibly();
            child.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static boolean firstCheckpointIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        // Hidden directories are checkpoints still being written (swapped in by a rename when complete).
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(dir::relativize).anyMatch(p -> p.getFileName().toString().equals("checkpoint.json")
                    && Stream.iterate(p, q -> q != null, Path::getParent)
                            .noneMatch(q -> q.getFileName().toString().startsWith(".")));
        } catch (java.io.UncheckedIOException e) {
            // the child renamed or removed an entry while the walk read it: look again at the next poll
            if (e.getCause() instanceof java.nio.file.NoSuchFileException) {
                return false;
            }
            throw e;
        }
    }

    /** Every file under {@code dir} with its SHA-256, by relative path. */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
            }
        }
        return files;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aKilledBenchmarkResumesToTheResultsOfAnUninterruptedRun() throws Exception {
        Path cache = RequiredData.cache(Datasets::mnist);
        Path killed = tmp.resolve("killed");
        List<String> common = List.of("split-mnist", "--strategies", "olora,treelora", "--seeds", "1",
                "--train-per-task", "200", "--test-per-task", "50", "--data", cache.toString());
        List<String> args = with(common, "--epochs", "1");
        Path work = tmp.resolve(".killed.partial");
        runAndKill(with(args, "--output", killed.toString()), work.resolve("checkpoints"), tmp.resolve("child.log"));
        assertFalse(Files.exists(killed), "nothing is published before the run is complete");
        assertTrue(Files.isRegularFile(work.resolve(RunDirectory.ARGS_FILE)));

        assertEquals(2, cli(with(args, "--output", killed.toString())), out + "\n" + err);
        assertTrue(err.toString().contains("pass --resume to continue it"), err.toString());
        assertEquals(2, cli(with(common, "--epochs", "2", "--output", killed.toString(), "--resume")));
        assertTrue(err.toString().contains("--epochs was 1, now 2"), err.toString());

        assertEquals(0, cli(with(args, "--output", killed.toString(), "--resume")), out + "\n" + err);
        assertTrue(out.toString().contains("resumed after task"), out.toString());
        assertTrue(out.toString().contains("200 train / 50 test images per task"), out.toString());
        assertEquals(List.of("killed"), TestFiles.names(tmp).stream().filter(n -> !n.equals("child.log")).toList(),
                "the work directory became the output; no temporary directory is left");

        Path whole = tmp.resolve("whole");
        assertEquals(0, cli(with(args, "--output", whole.toString())), out + "\n" + err);
        ObjectMapper json = new ObjectMapper();
        JsonNode resumed = json.readTree(killed.resolve(ContinualReport.JSON_FILE).toFile());
        JsonNode uninterrupted = json.readTree(whole.resolve(ContinualReport.JSON_FILE).toFile());
        assertEquals(2, resumed.get("runs").size());
        for (int r = 0; r < 2; r++) {
            assertEquals(uninterrupted.get("runs").get(r).get("accuracy"), resumed.get("runs").get(r).get("accuracy"),
                    "run " + r);
            assertEquals(uninterrupted.get("results").get(r).get("accuracy"),
                    resumed.get("results").get(r).get("accuracy"), "run " + r);
        }
        assertTrue(resumed.get("results").get(0).get("resumedAfterTask").asInt() >= 1,
                "the first run continued from its checkpoint: " + resumed.get("results").get(0));
        assertEquals(0, uninterrupted.get("results").get(0).get("resumedAfterTask").asInt());
    }

    @Test
    void aKilledOverwriteLeavesThePreviousRunAndItsResumeMatchesAnUninterruptedRun() throws Exception {
        Path cache = RequiredData.cache(Datasets::mnist);
        Path output = tmp.resolve("adapter");
        assertEquals(0, cli(List.of("train-adapter", "--seed", "1", "--train-per-task", "32", "--test-per-task", "20",
                "--data", cache.toString(), "--output", output.toString())), out + "\n" + err);
        Map<String, String> previous = tree(output);
        assertTrue(previous.containsKey("task2/adapter_model.safetensors") && previous.containsKey("args.json"),
                previous.toString());

        List<String> seed2 = List.of("train-adapter", "--seed", "2", "--train-per-task", "200", "--test-per-task", "20",
                "--epochs", "1", "--data", cache.toString());
        runAndKill(with(seed2, "--output", output.toString(), "--overwrite"), tmp.resolve(".adapter.partial"),
                tmp.resolve("child.log"));
        assertEquals(previous, tree(output), "the killed overwrite left the seed-1 run exactly as it was");

        assertEquals(2, cli(List.of("train-adapter", "--seed", "1", "--train-per-task", "32", "--test-per-task", "20",
                "--data", cache.toString(), "--output", output.toString(), "--resume")));
        assertTrue(err.toString().contains("--seed was 2, now 1"), err.toString());
        assertEquals(previous, tree(output));

        assertEquals(0, cli(with(seed2, "--output", output.toString(), "--resume")), out + "\n" + err);
        assertTrue(out.toString().contains("(resumed after task "), out.toString());
        Map<String, String> replaced = tree(output);
        assertNotEquals(previous.get("task2/adapter_model.safetensors"), replaced.get("task2/adapter_model.safetensors"));
        assertTrue(replaced.keySet().stream().noneMatch(f -> f.contains(".tmp")), "no temporary file: " + replaced);
        assertEquals(List.of("adapter", "child.log"), TestFiles.names(tmp));

        Path whole = tmp.resolve("whole");
        assertEquals(0, cli(with(seed2, "--output", whole.toString())), out + "\n" + err);
        ObjectMapper json = new ObjectMapper();
        JsonNode resumed = json.readTree(output.resolve("result.json").toFile());
        JsonNode uninterrupted = json.readTree(whole.resolve("result.json").toFile());
        assertEquals(uninterrupted.get("accuracy"), resumed.get("accuracy"));
        assertTrue(resumed.get("resumedAfterTask").asInt() >= 1, resumed.toString());
        for (String f : List.of("task0/adapter_model.safetensors", "task4/adapter_model.safetensors",
                "checkpoint/head.safetensors")) {
            assertEquals(tree(whole).get(f), replaced.get(f), f + " is bitwise that of the uninterrupted run");
        }
    }
}
