package io.github.treelora.examples.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.models.HostTensor;
import io.github.treelora.examples.CliRun;
import io.github.treelora.examples.TestFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The output rules of the writing commands, without training: the path checks, the work directory with
 * {@value RunDirectory#ARGS_FILE}, resume and its refusals, the swap; then the same checks through the real commands,
 * which must fail before any work (no dataset is read, nothing is created or changed), and option range errors that
 * name the option.
 */
class RunDirectoryTest {
    @TempDir
    Path tmp;

    /** A minimal writing command. */
    @Command(name = "job")
    static final class Job {
        @Spec
        CommandSpec spec;

        @Option(names = "--seed")
        long seed = 1;

        @Option(names = "--strategies", split = ",")
        List<String> strategies = List.of("olora", "treelora");

        @Option(names = "--output")
        Path output;

        @Option(names = "--overwrite")
        boolean overwrite;

        @Option(names = "--resume")
        boolean resume;
    }

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private RunDirectory open(String... args) throws IOException {
        Job job = new Job();
        new CommandLine(job).parseArgs(args);
        return RunDirectory.open(job.spec, job.output, job.overwrite, job.resume, new PrintWriter(out, true),
                new PrintWriter(err, true));
    }

    @Test
    void outputProblemsAreNamedBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("hostname"), "host\n");
        assertEquals("--output " + file + " exists and is not a directory", RunDirectory.outputProblem(file, true));
        Path below = file.resolve("sub");
        assertEquals("--output " + below + " cannot be created: " + file + " is a file",
                RunDirectory.outputProblem(below, true));
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("result.json"), "{}");
        String notEmpty = RunDirectory.outputProblem(full, false);
        assertTrue(notEmpty.startsWith("--output " + full + " is not empty (it holds result.json)"), notEmpty);
        assertTrue(notEmpty.contains("pass --overwrite"), notEmpty);
        assertNull(RunDirectory.outputProblem(full, true));
        assertNull(RunDirectory.outputProblem(Files.createDirectories(tmp.resolve("empty")), false));
        assertNull(RunDirectory.outputProblem(tmp.resolve("absent/deeper"), false));
        assertTrue(RunDirectory.outputProblem(Path.of(""), true).contains("current directory"));
    }

    @Test
    void anUnwritablePlaceIsNamed() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path locked = Files.createDirectories(tmp.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(locked), "the super-user writes everywhere");
            String problem = RunDirectory.outputProblem(locked.resolve("run"), false);
            assertEquals("--output " + locked.resolve("run") + " cannot be written: " + locked + " is not writable "
                    + "(the output is prepared next to it)", problem);
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aRunIsPreparedAsideRecordsItsOptionsAndReplacesTheOutputAsAWhole() throws IOException {
        Path output = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(output.resolve("old.txt"), "previous run");
        RunDirectory run = open("--output", output.toString(), "--seed", "2", "--overwrite");
        assertNotNull(run, err.toString());
        assertEquals(tmp.resolve(".run.partial"), run.work());
        assertEquals("previous run", Files.readString(output.resolve("old.txt")), "untouched until the commit");
        JsonNode args = new ObjectMapper().readTree(run.work().resolve(RunDirectory.ARGS_FILE).toFile());
        assertEquals("job", args.get("command").asText());
        assertEquals("2", args.get("options").get("--seed").asText());
        assertEquals("olora,treelora", args.get("options").get("--strategies").asText());
        assertFalse(args.get("options").has("--output") || args.get("options").has("--overwrite"),
                "where and how it is written do not change results: " + args);
        Files.writeString(run.work().resolve("result.json"), "new");
        run.commit();
        assertEquals(List.of("args.json", "result.json"), TestFiles.names(output));
        assertEquals(List.of("run"), TestFiles.names(tmp));
    }

    @Test
    void anInterruptedRunIsKeptUntilResumedWithTheSameOptionsOrOverwritten() throws IOException {
        Path output = tmp.resolve("run");
        RunDirectory first = open("--output", output.toString(), "--seed", "3");
        assertNotNull(first, err.toString());
        Files.createDirectories(first.checkpoints().resolve("olora-seed3"));
        // The process is killed here: no commit. A plain rerun must not lose the interrupted run.
        assertNull(open("--output", output.toString(), "--seed", "3"));
        assertTrue(err.toString().contains("an interrupted run of " + output + " is in " + first.work()
                + "; pass --resume to continue it or --overwrite to start over"), err.toString());

        assertNull(open("--output", output.toString(), "--seed", "4", "--strategies", "olora", "--resume"));
        assertTrue(err.toString().contains("--seed was 3, now 4") && err.toString().contains(
                "--strategies was olora,treelora, now olora"), err.toString());
        assertNull(open("--output", output.toString(), "--resume", "--overwrite"));
        assertTrue(err.toString().contains("--resume and --overwrite exclude each other"), err.toString());
        assertTrue(Files.isDirectory(first.checkpoints().resolve("olora-seed3")), "refusals change nothing");

        RunDirectory resumed = open("--output", output.toString(), "--seed", "3", "--resume");
        assertNotNull(resumed, err.toString());
        assertTrue(resumed.resumed() && !resumed.finished());
        assertTrue(Files.isDirectory(resumed.checkpoints().resolve("olora-seed3")), "the checkpoints are kept");
        resumed.commit();
        RunDirectory again = open("--output", output.toString(), "--seed", "3", "--resume");
        assertTrue(again.finished(), "a finished run has nothing to resume");
        assertTrue(out.toString().contains("already holds the finished run"), out.toString());

        RunDirectory overwritten = open("--output", output.toString(), "--seed", "5", "--overwrite");
        assertNotNull(overwritten, err.toString());
        assertFalse(Files.exists(overwritten.checkpoints()), "a new run starts without checkpoints");
    }

    @Test
    void resumeRefusesADirectoryThatHoldsNoRun() throws IOException {
        Path output = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(output.resolve("cat.jpg"), "meow");
        assertNull(open("--output", output.toString(), "--resume"));
        assertTrue(err.toString().contains("holds no run of this command (no args.json)"), err.toString());
        assertEquals(List.of("cat.jpg"), TestFiles.names(output));
    }

    @Test
    void commandsCheckTheOutputBeforeReadingAnyData() throws IOException {
        Path file = Files.writeString(tmp.resolve("hostname"), "host\n");
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("model.safetensors"), "good weights");
        // A data directory that does not exist: any attempt to read data would fail differently.
        String noData = tmp.resolve("no-data").toString();
        List<String[]> cases = List.of(
                new String[] {"split-mnist", "--quick", "--output", file.toString()},
                new String[] {"split-wordnet", "--quick", "--output", full.toString()},
                new String[] {"split-decoder", "--quick", "--output", full.toString()},
                new String[] {"split-fashion-mnist", "--quick", "--output", full.resolve("model.safetensors/x")
                        .toString()},
                new String[] {"train-adapter", "--output", file.toString()},
                new String[] {"train-adapter", "--output", full.toString()},
                new String[] {"pretrain-backbone", "--output", full.toString()},
                new String[] {"pretrain-decoder", "--output", file.toString()});
        for (String[] c : cases) {
            String[] args = Stream.concat(Stream.of(c), Stream.of("--data", noData)).toArray(String[]::new);
            int before = err.getBuffer().length();
            assertEquals(2, CliRun.execute(out, err, args), String.join(" ", args) + "\n" + out + err);
            String message = err.getBuffer().substring(before);
            assertTrue(message.startsWith(c[0] + ": --output "), message);
            assertTrue(message.contains("is not empty") || message.contains("is not a directory")
                    || message.contains("is a file"), message);
        }
        assertEquals("host\n", Files.readString(file));
        assertEquals(List.of("model.safetensors"), TestFiles.names(full));
        assertEquals("good weights", Files.readString(full.resolve("model.safetensors")));
        assertEquals(List.of("full", "hostname"), TestFiles.names(tmp), "nothing created next to the outputs");
    }

    @Test
    void eachBadOptionIsNamedWithItsRange() {
        String output = tmp.resolve("never").toString();
        Map<String[], String> cases = new LinkedHashMap<>();
        cases.put(new String[] {"split-mnist", "--treelora-lambda", "-1"},
                "split-mnist: --treelora-lambda -1 is out of range: it must be a finite number >= 0");
        cases.put(new String[] {"split-mnist", "--rank", "0"},
                "split-mnist: --rank 0 is out of range: it must be an integer >= 1");
        cases.put(new String[] {"split-wordnet", "--batch", "0"},
                "split-wordnet: --batch 0 is out of range: it must be an integer >= 1");
        cases.put(new String[] {"split-decoder", "--lr", "0"},
                "split-decoder: --lr 0.0 is out of range: it must be a finite number > 0");
        cases.put(new String[] {"split-mnist", "--train-per-task", "0"},
                "split-mnist: --train-per-task 0 is out of range: it must be an integer >= 1");
        cases.put(new String[] {"train-adapter", "--epochs", "0"},
                "train-adapter: --epochs 0 is out of range: it must be an integer >= 1");
        cases.put(new String[] {"pretrain-backbone", "--batch", "0"},
                "pretrain-backbone: --batch 0 is out of range: it must be an integer >= 1");
        cases.put(new String[] {"pretrain-decoder", "--heads", "3"},
                "pretrain-decoder: --heads 3 is out of range: it must be a divisor of --hidden 128");
        for (Map.Entry<String[], String> c : cases.entrySet()) {
            String[] args = Stream.concat(Stream.of(c.getKey()), Stream.of("--output", output))
                    .toArray(String[]::new);
            int before = err.getBuffer().length();
            assertEquals(2, CliRun.execute(out, err, args), String.join(" ", args));
            assertEquals(c.getValue(), err.getBuffer().substring(before).strip());
        }
        assertFalse(Files.exists(tmp.resolve("never")));
        // Several bad options: each is named on its own line.
        int before = err.getBuffer().length();
        assertEquals(2, CliRun.execute(out, err, "split-mnist", "--treelora-lambda", "-1", "--rank", "0", "--batch", "0"));
        assertEquals(3, err.getBuffer().substring(before).strip().lines().count(), err.toString());
    }

    @Test
    void weightsThatAreNotNumbersOrBeyondTheFileTypeAreNamed() {
        Map<String, HostTensor> fine = Map.of("w", new HostTensor(new long[] {2}, new float[] {1, -2}));
        assertNull(Divergence.weights("job", fine, Divergence.FLOAT16_MAX, tmp));
        Map<String, HostTensor> nan = new LinkedHashMap<>(fine);
        nan.put("layer.1.bias", new HostTensor(new long[] {3}, new float[] {0, Float.NaN, 1}));
        String m = Divergence.weights("job", nan, Float.MAX_VALUE, tmp);
        assertTrue(m.startsWith("job: training diverged: weight layer.1.bias[1] is NaN;"), m);
        Map<String, HostTensor> big = Map.of("w", new HostTensor(new long[] {1}, new float[] {1e6f}));
        assertNull(Divergence.weights("job", big, Float.MAX_VALUE, tmp));
        assertTrue(Divergence.weights("job", big, Divergence.FLOAT16_MAX, tmp).contains("w[0] is 1000000.0"));
        assertNull(Divergence.loss("job", 2.3, "step 1/2", 1e-3, tmp));
        assertTrue(Divergence.loss("job", Double.POSITIVE_INFINITY, "step 2/2", 1e30, tmp)
                .contains("the loss is Infinity at step 2/2"));
    }
}
