package io.github.treelora.djl.cl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.LinkedHashMap;
import java.util.Map;

/** The environment report of a run ({@link ContinualResult#environment()}): JVM, OS, engine, device, threads. */
final class RunEnvironment {

    private RunEnvironment() {
    }

    /**
     * JVM, OS, engine and thread information for reports.
     *
     * @param device the run's device
     * @return values by name
     */
    static Map<String, Object> of(Device device) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("javaVersion", System.getProperty("java.version"));
        env.put("javaVendor", System.getProperty("java.vendor"));
        env.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        env.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        Engine engine = Engine.getInstance();
        env.put("engine", engine.getEngineName() + " " + engine.getVersion());
        env.put("djlVersion", Engine.getDjlVersion());
        env.put("device", device.toString());
        env.put("intraOpThreads", System.getProperty("ai.djl.pytorch.num_threads", "engine default"));
        env.put("interOpThreads", System.getProperty("ai.djl.pytorch.num_interop_threads", "engine default"));
        env.put("ompNumThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        return env;
    }
}
