package io.github.treelora.bandit;

/**
 * A small seeded generator (SplitMix64) whose whole state is one {@code long}, so a selector's random
 * stream can be saved and resumed exactly. Not for cryptography.
 */
public final class SeededRandom {

    private long state;

    /**
     * A generator at the given state.
     *
     * @param seed initial state
     */
    public SeededRandom(long seed) {
        this.state = seed;
    }

    /**
     * Next 64 random bits.
     *
     * @return a long
     */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Uniform in [0, 1) with 53 random bits.
     *
     * @return a double
     */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * The current state (to save).
     *
     * @return state
     */
    public long state() {
        return state;
    }

    /**
     * Sets the state (to resume).
     *
     * @param state a value returned by {@link #state()}
     */
    public void setState(long state) {
        this.state = state;
    }
}
