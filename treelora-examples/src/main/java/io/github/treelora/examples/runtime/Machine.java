package io.github.treelora.examples.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line description of the machine a measurement was taken on, for reports and cards. */
public final class Machine {
    private Machine() {}

    /**
     * Describes this machine: CPU model (from {@code /proc/cpuinfo} where readable), cores visible to the
     * JVM, OS and Java version.
     *
     * @return e.g. {@code "Intel(R) Xeon(R) ..., 2 cores, Linux 6.1 amd64, Java 17.0.12"}
     */
    public static String describe() {
        String cpu = cpuModel();
        return (cpu == null ? "" : cpu + ", ") + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version");
    }

    private static String cpuModel() {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(info)) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(info)) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    return colon < 0 ? null : line.substring(colon + 1).trim();
                }
            }
        } catch (IOException e) {
            return null; // the description is informative only
        }
        return null;
    }
}
