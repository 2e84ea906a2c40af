package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
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

    private RequiredData() {}

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
