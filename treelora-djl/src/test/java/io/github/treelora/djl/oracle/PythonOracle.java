package io.github.treelora.djl.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Python stack (PyTorch, Hugging Face transformers and PEFT) as a test oracle.
 *
 * <p>It runs the scripts of {@code src/test/python/oracle/} with the interpreter of the project's virtual
 * environment, {@code .venv-oracle} at the repository root (or {@code TREELORA_ORACLE_PYTHON}), which
 * {@code .ci/run} creates from the machine's wheel mirror (see docs/user-guide.md, "Tested against"). Without it the
 * tests that need it are skipped with a message saying how to create it, unless
 * {@code TREELORA_REQUIRE_ORACLE=true} or {@code CI=true} (.ci/run sets the first), in which case they fail.
 * Python is only ever a test oracle: nothing in the library calls it.
 */
public final class PythonOracle {

    /** The packages every oracle script imports. */
    static final String IMPORT_CHECK = "import torch, transformers, peft, safetensors";

    /** How to create the environment, for skip and failure messages. */
    static final String SETUP = "python3 -m venv .venv-oracle && PIP_RETRIES=0 .venv-oracle/bin/pip install "
            + "-r treelora-djl/src/test/python/oracle/requirements.txt";

    private static final long TIMEOUT_SECONDS = 600;
    private static final ConcurrentHashMap<String, Path> GENERATED = new ConcurrentHashMap<>();
    private static volatile String unavailable;
    private static volatile Path python;

    private PythonOracle() {}

    /**
     * The oracle's interpreter; skips the calling test if it is not set up (fails it when required:
     * {@code TREELORA_REQUIRE_ORACLE=true} or {@code CI=true}).
     *
     * @return the Python executable
     */
    public static synchronized Path python() {
        if (python == null && unavailable == null) {
            Path candidate = candidate();
            if (!Files.isExecutable(candidate)) {
                unavailable = "no Python oracle at " + candidate;
            } else {
                Result r = exec(List.of(candidate.toString(), "-c", IMPORT_CHECK), 120);
                if (r.exitCode != 0) {
                    unavailable = candidate + " cannot import the oracle packages: " + tail(r.output);
                } else {
                    python = candidate;
                }
            }
        }
        if (python == null) {
            String message = unavailable + " (create it from the repository root with: " + SETUP + ")";
            if (Boolean.parseBoolean(System.getenv("TREELORA_REQUIRE_ORACLE"))
                    || Boolean.parseBoolean(System.getenv("CI"))) {
                fail("TREELORA_REQUIRE_ORACLE=true (or CI=true) but " + message);
            }
            Assumptions.abort(message);
        }
        return python;
    }

    /**
     * Runs {@code script OUT_DIR} once per script content: its output directory is kept under
     * {@code target/oracle/} and reused while the script is unchanged, so a second test run costs nothing. The
     * directory appears complete or not at all (written beside it, then renamed).
     *
     * @param script file name under {@code src/test/python/oracle/}
     * @param leadingArgs arguments before the output directory (for example a sub-command)
     * @return the directory the script filled
     */
    public static Path generated(String script, String... leadingArgs) {
        Path py = python();
        Path source = scriptPath(script);
        String key = script + " " + String.join(" ", leadingArgs);
        return GENERATED.computeIfAbsent(key, k -> {
            Path tmp = null;
            try {
                String hash = sha256((k + "\n" + Files.readString(source)).getBytes(StandardCharsets.UTF_8))
                        .substring(0, 16);
                Path out = Path.of("target", "oracle", script.replace(".py", "") + "-" + hash).toAbsolutePath();
                if (Files.isDirectory(out)) {
                    return out;
                }
                Files.createDirectories(out.getParent());
                tmp = Files.createTempDirectory(out.getParent(), ".tmp-" + hash);
                List<String> args = new ArrayList<>(List.of(leadingArgs));
                args.add(tmp.toString());
                run(py, source, args);
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                deleteTree(tmp);
            }
        });
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs an oracle script with arguments and fails the test, showing the script's output, if it fails.
     *
     * @param script file name under {@code src/test/python/oracle/}
     * @param args its arguments
     * @return what it printed (stdout and stderr)
     */
    public static String run(String script, String... args) {
        return run(python(), scriptPath(script), List.of(args));
    }

    private static String run(Path py, Path script, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(py.toString());
        cmd.add(script.toString());
        cmd.addAll(args);
        Result r = exec(cmd, TIMEOUT_SECONDS);
        if (r.exitCode != 0) {
            fail("oracle script " + script.getFileName() + " " + args + " failed (exit " + r.exitCode + "):\n"
                    + tail(r.output));
        }
        return r.output;
    }

    private static Path scriptPath(String script) {
        Path p = Path.of("src", "test", "python", "oracle", script).toAbsolutePath();
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no oracle script " + p);
        }
        return p;
    }

    private static Path candidate() {
        String env = System.getenv("TREELORA_ORACLE_PYTHON");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path venv = d.resolve(".venv-oracle").resolve("bin").resolve("python");
            if (Files.exists(venv)) {
                return venv;
            }
            if (Files.isDirectory(d.resolve(".git"))) {
                return venv; // the repository root: the environment belongs here
            }
        }
        return dir.resolve(".venv-oracle").resolve("bin").resolve("python");
    }

    private record Result(int exitCode, String output) {}

    private static Result exec(List<String> cmd, long timeoutSeconds) {
        try {
            Path log = Files.createTempFile("oracle-", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
                // One thread keeps transformers' float32 reductions in a fixed order, and spares the shared CPU.
                pb.environment().put("OMP_NUM_THREADS", "1");
                pb.environment().put("HF_HUB_OFFLINE", "1");
                pb.environment().put("TRANSFORMERS_VERBOSITY", "error");
                pb.environment().put("TQDM_DISABLE", "1");
                Process p = pb.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(log));
                }
                return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return new Result(-1, "cannot start " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The case directories of a generated output, sorted by name.
     *
     * @param generated a directory from {@link #generated}
     * @return its sub-directories
     */
    public static List<Path> cases(Path generated) {
        try (Stream<Path> s = Files.list(generated)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
