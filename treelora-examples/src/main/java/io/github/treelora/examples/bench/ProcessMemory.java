package io.github.treelora.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process as Linux reports it in {@code /proc/self/status}: the current resident set
 * ({@code VmRSS}) and its peak ({@code VmHWM}, the high-water mark), which counts native memory (the engine's
 * tensors) as well as the Java heap. The peak can be reset to the current size (Linux 4.0 and later), so that
 * one phase of a benchmark can be measured on its own.
 */
final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessMemory() {
    }

    /**
     * The peak resident set size since the process started or since the last {@link #resetPeak()}.
     *
     * @return bytes, or -1 where {@code /proc/self/status} has no {@code VmHWM} (not Linux)
     */
    static long peakBytes() {
        return field("VmHWM:");
    }

    /**
     * The current resident set size.
     *
     * @return bytes, or -1 where {@code /proc/self/status} has no {@code VmRSS}
     */
    static long residentBytes() {
        return field("VmRSS:");
    }

    /**
     * Resets the peak to the current resident size (writes {@code 5} to {@code /proc/self/clear_refs}).
     *
     * @return whether the kernel accepted the reset
     */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Collects garbage and waits (at most 5 s) until the process's file-backed resident memory ({@code RssFile})
     * stops shrinking: a closed checkpoint's memory-mapped pages stay resident until the garbage collector's
     * cleaner unmaps them, and would otherwise count in the next phase's peak.
     */
    static void settle() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long previous = Long.MAX_VALUE;
        System.gc();
        while (System.nanoTime() < deadline) {
            long file = field("RssFile:");
            if (file < 0 || file >= previous) {
                return;
            }
            previous = file;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    // "VmHWM:	 1234 kB"
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
