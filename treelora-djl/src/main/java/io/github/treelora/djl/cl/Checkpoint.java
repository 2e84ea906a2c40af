package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import io.github.treelora.djl.lora.AdapterSpec;
import io.github.treelora.djl.lora.LoraAdapter;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.lora.LoraTensorNames;
import io.github.treelora.djl.lora.LoraVariant;
import io.github.treelora.djl.lora.PlainLora;
import io.github.treelora.io.AtomicDirectory;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsWriter;
import io.github.treelora.metrics.AccuracyMatrix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The checkpoint a {@link ContinualTrainer} writes after each finished task, a directory of:
 * <ul>
 *   <li>{@value #JSON}: the manifest ({@link CheckpointManifest}, versioned): format, version, objective, completed
 *       tasks, seed, protocol, task inference, strategy name and id, head size, the backbone's name and SHA-256 (its
 *       weights are frozen and not saved), task ids and names, the accuracy matrix, per-task statistics, elapsed
 *       time, every adapter's per-layer structure (rank, alpha, dropout, rsLoRA, variant, which of A, B and the
 *       variant's own tensors train), the active adapters per layer in order, and the SHA-256 of both safetensors
 *       files;</li>
 *   <li>{@value #ADAPTERS}: {@code <module path>.lora_A.<adapter>}, {@code .lora_B.<adapter>} and a variant's own
 *       tensors such as {@code .lora_magnitude_vector.<adapter>} (F32, {@link LoraTensorNames#checkpointKey});</li>
 *   <li>{@value #HEAD}: {@code head.weight}, {@code head.bias} (F32); only for classification: a causal-LM
 *       task stream has no head;</li>
 *   <li>{@value #STRATEGY}/: the strategy's own files.</li>
 * </ul>
 * The optimizer is not saved: the trainer creates a fresh Adam at every task start, so a checkpoint between
 * tasks holds everything a resumed run needs. The data order needs no state either ({@link DataOrder}).
 * The directory is replaced atomically ({@link AtomicDirectory}).
 */
final class Checkpoint {

    static final String JSON = "checkpoint.json";
    static final String ADAPTERS = "adapters.safetensors";
    static final String HEAD = "head.safetensors";
    static final String STRATEGY = "strategy";

    private Checkpoint() {
    }

    /** What a checkpoint holds, taken from a running session. */
    record Data(int completedTasks, ContinualStrategy strategy, ContinualTrainerConfig config, int numClasses,
            String backboneName, String backboneSha256, List<ContinualTask> tasks, AccuracyMatrix accuracy,
            List<ContinualResult.TaskStats> stats, double elapsedSeconds, LoraModel lora, Linear head,
            String objective, List<Map<String, List<String>>> taskActiveAdapters) {
    }

    static void save(Path dir, Data d) throws IOException {
        AtomicDirectory.replace(dir, tmp -> {
            Path strategyDir = tmp.resolve(STRATEGY);
            Files.createDirectory(strategyDir);
            d.strategy().saveState(strategyDir);
            SafetensorsWriter adapters = new SafetensorsWriter();
            List<CheckpointManifest.AdapterEntry> adapterEntries = new ArrayList<>();
            for (String name : d.lora().adapterNames()) {
                List<CheckpointManifest.LayerEntry> layers = new ArrayList<>();
                for (Map.Entry<String, LoraLinear> e : d.lora().layersOf(name).entrySet()) {
                    LoraLinear layer = e.getValue();
                    LoraAdapter adapter = layer.getAdapter(name);
                    AdapterSpec spec = adapter.spec();
                    Map<String, Boolean> extra = new LinkedHashMap<>();
                    adapter.tensors().forEach((kind, p) -> {
                        if (p != adapter.a() && p != adapter.b()) {
                            extra.put(kind, p.requiresGradient());
                        }
                    });
                    layers.add(new CheckpointManifest.LayerEntry(e.getKey(), spec.rank(), spec.alpha(),
                            layer.getDropout(name), spec.useRsLora(), adapter.a().requiresGradient(),
                            adapter.b().requiresGradient(), spec.variant().id(), extra));
                    for (Map.Entry<String, Parameter> t : adapter.tensors().entrySet()) {
                        putParameter(adapters, LoraTensorNames.checkpointKey(e.getKey(), t.getKey(), name),
                                t.getValue());
                    }
                }
                adapterEntries.add(new CheckpointManifest.AdapterEntry(name, layers));
            }
            adapters.write(tmp.resolve(ADAPTERS));
            if (d.head() != null) {
                SafetensorsWriter head = new SafetensorsWriter();
                putParameter(head, "head.weight", d.head().getParameters().get("weight"));
                putParameter(head, "head.bias", d.head().getParameters().get("bias"));
                head.write(tmp.resolve(HEAD));
            }
            List<List<Double>> accuracy = new ArrayList<>();
            for (double[] row : d.accuracy().toArray()) {
                List<Double> r = new ArrayList<>();
                for (double v : row) {
                    r.add(Double.isNaN(v) ? null : v);
                }
                accuracy.add(r);
            }
            new CheckpointManifest(CheckpointManifest.FORMAT, CheckpointManifest.VERSION, d.objective(),
                    d.completedTasks(), d.strategy().name(), d.strategy().id(), d.config().seed(),
                    d.config().protocol(), d.config().taskInference(), d.numClasses(),
                    new CheckpointManifest.BackboneRef(d.backboneName(), d.backboneSha256()),
                    d.tasks().stream().map(ContinualTask::id).toList(),
                    d.tasks().stream().map(ContinualTask::name).toList(), accuracy, d.stats(), d.elapsedSeconds(),
                    adapterEntries,
                    // Active order matters bitwise: the layer adds the adapters' outputs in this order.
                    d.lora().activeAdaptersByLayer(),
                    // Task inference evaluates a task's samples with the adapters active at its end.
                    d.taskActiveAdapters(),
                    sha256(tmp.resolve(ADAPTERS)), d.head() == null ? null : sha256(tmp.resolve(HEAD)))
                    .write(tmp.resolve(JSON));
        });
    }

    private static void putParameter(SafetensorsWriter w, String name, Parameter p) {
        NDArray a = p.getArray();
        if (a.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException("checkpoints hold float32 parameters; " + name + " is "
                    + a.getDataType());
        }
        w.putFloats(name, a.getShape().getShape(), a.toFloatArray());
    }

    static Loaded load(Path dir) throws IOException {
        AtomicDirectory.recover(dir);
        CheckpointManifest manifest = CheckpointManifest.read(dir.resolve(JSON));
        boolean hasHead = manifest.objective().equals(TaskObjective.CLASSIFICATION);
        for (String f : hasHead ? List.of(ADAPTERS, HEAD) : List.of(ADAPTERS)) {
            Path p = dir.resolve(f);
            require(Files.exists(p), p, "missing");
            String expected = f.equals(ADAPTERS) ? manifest.adaptersSha256() : manifest.headSha256();
            require(expected.equals(sha256(p)), p,
                    "content does not match the SHA-256 in " + JSON + " (corrupted or from another save)");
        }
        require(Files.isDirectory(dir.resolve(STRATEGY)), dir.resolve(STRATEGY), "missing");
        return new Loaded(dir, manifest);
    }

    /** A checkpoint read from disk and verified against its checksums. */
    static final class Loaded {
        private final Path dir;
        private final CheckpointManifest manifest;

        Loaded(Path dir, CheckpointManifest manifest) {
            this.dir = dir;
            this.manifest = manifest;
        }

        /** The manifest as read (a version 1 file's absent fields filled in). */
        CheckpointManifest manifest() {
            return manifest;
        }

        int completedTasks() {
            return manifest.completedTasks();
        }

        double elapsedSeconds() {
            return manifest.elapsedSeconds();
        }

        Path strategyDir() {
            return dir.resolve(STRATEGY);
        }

        AccuracyMatrix accuracy() {
            List<List<Double>> acc = manifest.accuracy();
            AccuracyMatrix m = new AccuracyMatrix(acc.size());
            for (int i = 0; i < acc.size(); i++) {
                for (int j = i; j < acc.size(); j++) {
                    Double v = acc.get(i).get(j);
                    if (v != null) {
                        m.set(i, j, v);
                    }
                }
            }
            return m;
        }

        List<ContinualResult.TaskStats> taskStats() {
            return manifest.taskStats();
        }

        void checkCompatible(Backbone backbone, String sha, List<ContinualTask> tasks, ContinualStrategy strategy,
                ContinualTrainerConfig config, int numClasses, String objective) throws IOException {
            Path json = dir.resolve(JSON);
            CheckpointManifest m = manifest;
            require(m.objective().equals(objective), json, "checkpoint of a " + m.objective()
                    + " task stream, resumed with a " + objective + " task stream");
            require(m.backbone().sha256().equals(sha), json, "the backbone '" + backbone.name() + "' (SHA-256 " + sha
                    + ") is not the checkpoint's '" + m.backbone().name() + "' (SHA-256 " + m.backbone().sha256()
                    + ")");
            // The id decides; checkpoints written before strategies had ids hold the display name only.
            boolean sameStrategy = m.strategyId() != null ? m.strategyId().equals(strategy.id())
                    : m.strategy().equals(strategy.name());
            require(sameStrategy, json, "checkpoint of strategy " + m.strategy()
                    + (m.strategyId() != null ? " (id " + m.strategyId() + ")" : "") + ", resumed with "
                    + strategy.name() + " (id " + strategy.id() + ")");
            require(m.seed() == config.seed(), json, "checkpoint seed " + m.seed() + " differs from the configured "
                    + config.seed());
            require(m.protocol() == config.protocol(), json, "checkpoint protocol " + m.protocol()
                    + " differs from the configured " + config.protocol());
            require(m.taskInference() == config.taskInference(), json, "checkpoint task inference "
                    + m.taskInference() + " differs from the configured " + config.taskInference());
            require(m.numClasses() == numClasses, json, "checkpoint head has " + m.numClasses()
                    + " classes, the tasks need " + numClasses);
            int[] saved = m.taskIds().stream().mapToInt(Integer::intValue).toArray();
            int[] given = tasks.stream().mapToInt(ContinualTask::id).toArray();
            require(Arrays.equals(saved, given), json, "checkpoint task ids " + Arrays.toString(saved)
                    + " differ from the given " + Arrays.toString(given));
            int done = completedTasks();
            require(done >= 1 && done <= tasks.size(), json, "completedTasks " + done + " out of range");
        }

        /**
         * The active adapters of every layer at the end of a finished task (saved with task inference on).
         *
         * @param task a finished task's index
         * @return layer path -> active adapters in order
         * @throws IOException if the checkpoint does not hold them
         */
        Map<String, List<String>> taskActiveAdapters(int task) throws IOException {
            List<Map<String, List<String>>> sets = manifest.taskActiveAdapters();
            require(sets != null && task < sets.size() && sets.get(task) != null, dir.resolve(JSON),
                    "no active adapters recorded for task " + task);
            return sets.get(task);
        }

        /** Re-creates every adapter with its structure, values, trainable flags and active state. */
        void restoreAdapters(LoraModel lora) throws IOException {
            Path file = dir.resolve(ADAPTERS);
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                for (CheckpointManifest.AdapterEntry a : manifest.adapters()) {
                    String name = a.name();
                    List<String> alternatives = new ArrayList<>();
                    Map<String, Integer> ranks = new LinkedHashMap<>();
                    Map<String, Double> alphas = new LinkedHashMap<>();
                    double dropout = 0;
                    boolean rs = false;
                    LoraVariant variant = PlainLora.INSTANCE;
                    for (CheckpointManifest.LayerEntry l : a.layers()) {
                        String path = l.path();
                        alternatives.add(Pattern.quote(path));
                        ranks.put(path, l.rank());
                        alphas.put(path, l.alpha());
                        dropout = l.dropout();
                        rs = l.rsLora();
                        String id = l.variant();
                        variant = LoraVariant.byId(id).orElseThrow(() -> new IOException(dir.resolve(JSON)
                                + ": adapter " + name + " has the unknown variant \"" + id + "\" at " + path));
                    }
                    LoraConfig cfg = LoraConfig.builder().targetRegex(String.join("|", alternatives))
                            .rankPattern(ranks).alphaPattern(alphas).dropout(dropout).useRsLora(rs).variant(variant)
                            .build();
                    lora.addAdapter(name, cfg);
                    Map<String, LoraLinear> layers = lora.layersOf(name);
                    for (CheckpointManifest.LayerEntry l : a.layers()) {
                        String path = l.path();
                        LoraLinear layer = layers.get(path);
                        if (layer == null) {
                            throw new IOException(file + ": adapter " + name + " has no layer " + path
                                    + " in this backbone");
                        }
                        LoraAdapter adapter = layer.getAdapter(name);
                        for (Map.Entry<String, Parameter> t : adapter.tensors().entrySet()) {
                            read(st, LoraTensorNames.checkpointKey(path, t.getKey(), name), t.getValue());
                        }
                        adapter.a().freeze(!l.trainableA());
                        adapter.b().freeze(!l.trainableB());
                        l.trainableExtra().forEach((kind, trainable) -> adapter.tensor(kind).freeze(!trainable));
                    }
                }
                lora.setActiveAdaptersByLayer(manifest.activeAdapters());
            }
        }

        void restoreHead(Linear head) throws IOException {
            try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(HEAD))) {
                read(st, "head.weight", head.getParameters().get("weight"));
                read(st, "head.bias", head.getParameters().get("bias"));
            }
        }

        private static void read(SafetensorsFile st, String name, Parameter p) throws IOException {
            if (!st.contains(name)) {
                throw new IOException(st.path() + ": tensor " + name + " is missing");
            }
            Shape expected = p.getArray().getShape();
            long[] shape = st.info(name).shape();
            if (!Arrays.equals(shape, expected.getShape())) {
                throw new IOException(st.path() + ": tensor " + name + " has shape " + Arrays.toString(shape)
                        + ", the model expects " + expected);
            }
            p.getArray().set(st.readFloats(name));
        }
    }

    /**
     * SHA-256 over the backbone's parameters in order: name, shape, data type and raw little-endian bytes.
     *
     * @param block the backbone (before adapters are injected: the names change with injection)
     * @return hex digest
     */
    static String backboneSha256(Block block) {
        MessageDigest md = sha();
        for (var p : block.getParameters()) {
            Parameter param = p.getValue();
            md.update(p.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (!param.isInitialized()) {
                md.update((byte) 0);
                continue;
            }
            NDArray a = param.getArray();
            md.update(a.getShape().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update(a.getDataType().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ByteBuffer bytes = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            md.update(bytes);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static void require(boolean ok, Path file, String message) throws IOException {
        if (!ok) {
            throw new IOException(file + ": " + message);
        }
    }
}
