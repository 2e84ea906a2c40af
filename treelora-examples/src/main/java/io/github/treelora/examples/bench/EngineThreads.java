package io.github.treelora.examples.bench;

/** The engine's thread counts for a benchmark, set before the engine starts. */
final class EngineThreads {

    private EngineThreads() {
    }

    /**
     * Asks DJL's PyTorch engine for {@code threads} intra-op and inter-op threads. The engine reads these
     * properties when it starts (the first {@code NDManager}), so call this first; a
     * {@code -Dai.djl.pytorch.num_threads} or {@code num_interop_threads} given to the JVM wins.
     *
     * @param threads threads of each kind
     * @return the intra-op thread count in effect
     */
    static String apply(int threads) {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(threads));
        }
        return System.getProperty("ai.djl.pytorch.num_threads");
    }
}
