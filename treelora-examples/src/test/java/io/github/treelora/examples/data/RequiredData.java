package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Real datasets for tests: a missing dataset skips the test, unless {@code TREELORA_REQUIRE_DATA=true} (CI sets it
 * after running the fetch script), in which case the test fails with the message naming the fetch command.
 */
public final class RequiredData {

    /** A dataset load. */
    @FunctionalInterface
    public interface Load<T> {
        /**
         * Loads.
         *
         * @return the data
         * @throws IOException if reading fails
         */
        T load() throws IOException;
    }

    /** A dataset load from a cache directory. */
    @FunctionalInterface
    public interface CacheLoad {
        /**
         * Loads from {@code cache}.
         *
         * @param cache the dataset cache
         * @return the data
         * @throws IOException if reading fails
         */
        Object load(Path cache) throws IOException;
    }

    private RequiredData() {}

    /**
     * The default dataset cache ({@link Datasets#defaultCache()}) after requiring, as {@link #require} does, every
     * dataset a test reads from it.
     *
     * @param loads the datasets, e.g. {@code Datasets::wordnet}
     * @return the cache
     * @throws IOException if reading fails for another reason than a missing dataset
     */
    public static Path cache(CacheLoad... loads) throws IOException {
        Path cache = Datasets.defaultCache();
        for (CacheLoad load : loads) {
            require(() -> load.load(cache));
        }
        return cache;
    }

    /**
     * Loads data a test needs, or skips (fails, when data is required) the test if it is missing.
     *
     * @param load the load, e.g. {@code () -> Datasets.mnist(cache)}
     * @param <T> what it loads
     * @return the data
     * @throws IOException if reading fails for another reason than a missing dataset
     */
    public static <T> T require(Load<T> load) throws IOException {
        try {
            return load.load();
        } catch (MissingDatasetException e) {
            if (Boolean.parseBoolean(System.getenv("TREELORA_REQUIRE_DATA"))) {
                fail("TREELORA_REQUIRE_DATA=true but " + e.getMessage());
            }
            Assumptions.abort(e.getMessage());
            throw new AssertionError("unreachable", e);
        }
    }
}
