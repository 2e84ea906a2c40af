package io.github.treelora.memory;

/**
 * How many task vectors {@link TaskMemory} may keep before it merges the two closest entries.
 *
 * @param maxSlots at most this many stored entries (leaves); {@code Integer.MAX_VALUE} for no limit
 * @param maxBytes at most this many bytes of float32 vectors; {@code Long.MAX_VALUE} for no limit
 */
public record StorageBudget(int maxSlots, long maxBytes) {

    /** No limit. */
    public static final StorageBudget UNLIMITED = new StorageBudget(Integer.MAX_VALUE, Long.MAX_VALUE);

    /**
     * Validates the limits.
     *
     * @param maxSlots at least 1
     * @param maxBytes at least 1
     */
    public StorageBudget {
        if (maxSlots < 1) {
            throw new IllegalArgumentException("storage budget maxSlots must be >= 1, got " + maxSlots);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("storage budget maxBytes must be >= 1, got " + maxBytes);
        }
    }

    /**
     * A budget on the number of stored entries.
     *
     * @param maxSlots at least 1
     * @return the budget
     */
    public static StorageBudget ofSlots(int maxSlots) {
        return new StorageBudget(maxSlots, Long.MAX_VALUE);
    }

    /**
     * A budget on float32 bytes.
     *
     * @param maxBytes at least 1
     * @return the budget
     */
    public static StorageBudget ofBytes(long maxBytes) {
        return new StorageBudget(Integer.MAX_VALUE, maxBytes);
    }

    /**
     * Whether {@code slots} entries of {@code floatsPerSlot} floats each exceed this budget.
     *
     * @param slots number of stored entries
     * @param floatsPerSlot floats in one entry (all layers)
     * @return true if over budget
     */
    public boolean exceededBy(int slots, long floatsPerSlot) {
        return slots > maxSlots || (slots > 1 && slots * floatsPerSlot * Float.BYTES > maxBytes);
    }
}
