package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.nio.file.NoSuchFileException;
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
 *   <li>{@value #JSON}: format, version, completed tasks, seed, protocol, strategy name and id, head size, the
 *       backbone's name and SHA-256 (its weights are frozen and not saved), task ids and names, the accuracy
 *       matrix, per-task statistics, elapsed time, every adapter's per-layer structure (rank, alpha, dropout,
 *       rsLoRA, which of A and B train; for a variant other than plain LoRA its id as {@code "variant"} and which
 *       of its own tensors train as {@code "trainableExtra"}), the active adapters per layer in order, and the
 *       SHA-256 of both safetensors files;</li>
 *   <li>{@value #ADAPTERS}: {@code <module path>.lora_A.<adapter>}, {@code .lora_B.<adapter>} and a variant's own
 *       tensors such as {@code .lora_magnitude_vector.<adapter>} (F32, {@link LoraTensorNames#checkpointKey});</li>
 *   <li>{@value #HEAD}: {@code head.weight}, {@code head.bias} (F32); only for classification: a causal-LM
 *       task stream has no head, and its JSON says {@code "objective": "causal-lm"} (the field is absent for
 *       classification, so those checkpoints keep the original format);</li>
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
    static final String FORMAT = "treelora-continual-checkpoint";
    static final int VERSION = 1;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

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
            ArrayNode adapterJson = MAPPER.createArrayNode();
            for (String name : d.lora().adapterNames()) {
                ObjectNode a = adapterJson.addObject();
                a.put("name", name);
                ArrayNode layers = a.putArray("layers");
                for (Map.Entry<String, LoraLinear> e : d.lora().layersOf(name).entrySet()) {
                    LoraLinear layer = e.getValue();
                    LoraAdapter adapter = layer.getAdapter(name);
                    AdapterSpec spec = adapter.spec();
                    ObjectNode l = layers.addObject();
                    l.put("path", e.getKey());
                    l.put("rank", spec.rank());
                    l.put("alpha", spec.alpha());
                    l.put("dropout", layer.getDropout(name));
                    l.put("rsLora", spec.useRsLora());
                    l.put("trainableA", adapter.a().requiresGradient());
                    l.put("trainableB", adapter.b().requiresGradient());
                    if (spec.variant() != PlainLora.INSTANCE) {
                        // only written for other variants, so plain-LoRA checkpoints keep the original format
                        l.put("variant", spec.variant().id());
                        ObjectNode extra = l.putObject("trainableExtra");
                        adapter.tensors().forEach((kind, p) -> {
                            if (p != adapter.a() && p != adapter.b()) {
                                extra.put(kind, p.requiresGradient());
                            }
                        });
                    }
                    for (Map.Entry<String, Parameter> t : adapter.tensors().entrySet()) {
                        putParameter(adapters, LoraTensorNames.checkpointKey(e.getKey(), t.getKey(), name),
                                t.getValue());
                    }
                }
            }
            adapters.write(tmp.resolve(ADAPTERS));
            if (d.head() != null) {
                SafetensorsWriter head = new SafetensorsWriter();
                putParameter(head, "head.weight", d.head().getParameters().get("weight"));
                putParameter(head, "head.bias", d.head().getParameters().get("bias"));
                head.write(tmp.resolve(HEAD));
            }

            ObjectNode root = MAPPER.createObjectNode();
            root.put("format", FORMAT);
            root.put("version", VERSION);
            if (!TaskObjective.CLASSIFICATION.equals(d.objective())) {
                // only written for other objectives, so classification checkpoints keep the original format
                root.put("objective", d.objective());
            }
            root.put("completedTasks", d.completedTasks());
            root.put("strategy", d.strategy().name());
            root.put("strategyId", d.strategy().id());
            root.put("seed", d.config().seed());
            root.put("protocol", d.config().protocol().name());
            root.put("taskInference", d.config().taskInference().name());
            root.put("numClasses", d.numClasses());
            ObjectNode bb = root.putObject("backbone");
            bb.put("name", d.backboneName());
            bb.put("sha256", d.backboneSha256());
            ArrayNode ids = root.putArray("taskIds");
            ArrayNode names = root.putArray("taskNames");
            for (ContinualTask t : d.tasks()) {
                ids.add(t.id());
                names.add(t.name());
            }
            ArrayNode acc = root.putArray("accuracy");
            for (double[] row : d.accuracy().toArray()) {
                ArrayNode r = acc.addArray();
                for (double v : row) {
                    if (Double.isNaN(v)) {
                        r.addNull();
                    } else {
                        r.add(v);
                    }
                }
            }
            root.set("taskStats", MAPPER.valueToTree(d.stats()));
            root.put("elapsedSeconds", d.elapsedSeconds());
            root.set("adapters", adapterJson);
            // Active order matters bitwise: the layer adds the adapters' outputs in this order.
            root.set("activeAdapters", MAPPER.valueToTree(d.lora().activeAdaptersByLayer()));
            if (d.taskActiveAdapters() != null) {
                // Task inference evaluates a task's samples with the adapters active at its end.
                root.set("taskActiveAdapters", MAPPER.valueToTree(d.taskActiveAdapters()));
            }
            root.put("adaptersSha256", sha256(tmp.resolve(ADAPTERS)));
            if (d.head() != null) {
                root.put("headSha256", sha256(tmp.resolve(HEAD)));
            }
            Files.writeString(tmp.resolve(JSON), MAPPER.writeValueAsString(root));
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
        Path json = dir.resolve(JSON);
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(json));
        } catch (NoSuchFileException e) {
            throw new IOException("no checkpoint in " + dir + ": " + JSON + " is missing", e);
        } catch (IOException e) {
            throw new IOException(json + " is not valid JSON: " + e.getMessage(), e);
        }
        require(root != null && FORMAT.equals(root.path("format").asText()), json, "not a " + FORMAT + " file");
        require(root.path("version").asInt(-1) == VERSION, json, "unsupported version " + root.path("version"));
        boolean hasHead = objective(root).equals(TaskObjective.CLASSIFICATION);
        for (String f : hasHead ? List.of(ADAPTERS, HEAD) : List.of(ADAPTERS)) {
            Path p = dir.resolve(f);
            require(Files.exists(p), p, "missing");
            String key = f.equals(ADAPTERS) ? "adaptersSha256" : "headSha256";
            require(root.path(key).asText().equals(sha256(p)), p,
                    "content does not match the SHA-256 in " + JSON + " (corrupted or from another save)");
        }
        require(Files.isDirectory(dir.resolve(STRATEGY)), dir.resolve(STRATEGY), "missing");
        return new Loaded(dir, root);
    }

    /** The objective a checkpoint was written for; classification when the field is absent (format version 1). */
    private static String objective(JsonNode root) {
        return root.path("objective").asText(TaskObjective.CLASSIFICATION);
    }

    /** A checkpoint read from disk and verified against its checksums. */
    static final class Loaded {
        private final Path dir;
        private final JsonNode root;

        Loaded(Path dir, JsonNode root) {
            this.dir = dir;
            this.root = root;
        }

        int completedTasks() {
            return root.path("completedTasks").asInt();
        }

        double elapsedSeconds() {
            return root.path("elapsedSeconds").asDouble();
        }

        Path strategyDir() {
            return dir.resolve(STRATEGY);
        }

        AccuracyMatrix accuracy() {
            JsonNode acc = root.path("accuracy");
            AccuracyMatrix m = new AccuracyMatrix(acc.size());
            for (int i = 0; i < acc.size(); i++) {
                for (int j = i; j < acc.size(); j++) {
                    JsonNode v = acc.get(i).get(j);
                    if (v != null && !v.isNull()) {
                        m.set(i, j, v.asDouble());
                    }
                }
            }
            return m;
        }

        List<ContinualResult.TaskStats> taskStats() throws IOException {
            List<ContinualResult.TaskStats> out = new ArrayList<>();
            for (JsonNode n : root.path("taskStats")) {
                out.add(MAPPER.treeToValue(n, ContinualResult.TaskStats.class));
            }
            return out;
        }

        void checkCompatible(Backbone backbone, String sha, List<ContinualTask> tasks, ContinualStrategy strategy,
                ContinualTrainerConfig config, int numClasses, String objective) throws IOException {
            Path json = dir.resolve(JSON);
            require(objective(root).equals(objective), json, "checkpoint of a " + objective(root)
                    + " task stream, resumed with a " + objective + " task stream");
            require(root.path("backbone").path("sha256").asText().equals(sha), json, "the backbone '"
                    + backbone.name() + "' (SHA-256 " + sha + ") is not the checkpoint's '"
                    + root.path("backbone").path("name").asText() + "' (SHA-256 "
                    + root.path("backbone").path("sha256").asText() + ")");
            // The id decides; checkpoints written before strategies had ids hold the display name only.
            String savedId = root.path("strategyId").asText(null);
            boolean sameStrategy = savedId != null ? savedId.equals(strategy.id())
                    : root.path("strategy").asText().equals(strategy.name());
            require(sameStrategy, json, "checkpoint of strategy " + root.path("strategy").asText()
                    + (savedId != null ? " (id " + savedId + ")" : "") + ", resumed with " + strategy.name() + " (id "
                    + strategy.id() + ")");
            require(root.path("seed").asLong() == config.seed(), json, "checkpoint seed "
                    + root.path("seed").asLong() + " differs from the configured " + config.seed());
            require(root.path("protocol").asText().equals(config.protocol().name()), json, "checkpoint protocol "
                    + root.path("protocol").asText() + " differs from the configured " + config.protocol());
            String inference = root.path("taskInference").asText(TaskInference.NONE.name());
            require(inference.equals(config.taskInference().name()), json, "checkpoint task inference " + inference
                    + " differs from the configured " + config.taskInference());
            require(root.path("numClasses").asInt() == numClasses, json, "checkpoint head has "
                    + root.path("numClasses").asInt() + " classes, the tasks need " + numClasses);
            JsonNode ids = root.path("taskIds");
            int[] saved = new int[ids.size()];
            for (int i = 0; i < saved.length; i++) {
                saved[i] = ids.get(i).asInt();
            }
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
            JsonNode sets = root.path("taskActiveAdapters").path(task);
            require(sets.isObject(), dir.resolve(JSON), "no active adapters recorded for task " + task);
            return activeSets(sets);
        }

        /** Module path -> active adapters, from the JSON form {@link LoraModel#activeAdaptersByLayer} was saved in. */
        private static Map<String, List<String>> activeSets(JsonNode sets) {
            Map<String, List<String>> out = new LinkedHashMap<>();
            sets.fields().forEachRemaining(e -> {
                List<String> names = new ArrayList<>();
                e.getValue().forEach(n -> names.add(n.asText()));
                out.put(e.getKey(), names);
            });
            return out;
        }

        /** Re-creates every adapter with its structure, values, trainable flags and active state. */
        void restoreAdapters(LoraModel lora) throws IOException {
            Path file = dir.resolve(ADAPTERS);
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                for (JsonNode a : root.path("adapters")) {
                    String name = a.path("name").asText();
                    List<String> alternatives = new ArrayList<>();
                    Map<String, Integer> ranks = new LinkedHashMap<>();
                    Map<String, Double> alphas = new LinkedHashMap<>();
                    double dropout = 0;
                    boolean rs = false;
                    LoraVariant variant = PlainLora.INSTANCE;
                    for (JsonNode l : a.path("layers")) {
                        String path = l.path("path").asText();
                        alternatives.add(Pattern.quote(path));
                        ranks.put(path, l.path("rank").asInt());
                        alphas.put(path, l.path("alpha").asDouble());
                        dropout = l.path("dropout").asDouble();
                        rs = l.path("rsLora").asBoolean();
                        String id = l.path("variant").asText(PlainLora.INSTANCE.id());
                        variant = LoraVariant.byId(id).orElseThrow(() -> new IOException(dir.resolve(JSON)
                                + ": adapter " + name + " has the unknown variant \"" + id + "\" at " + path));
                    }
                    LoraConfig cfg = LoraConfig.builder().targetRegex(String.join("|", alternatives))
                            .rankPattern(ranks).alphaPattern(alphas).dropout(dropout).useRsLora(rs).variant(variant)
                            .build();
                    lora.addAdapter(name, cfg);
                    Map<String, LoraLinear> layers = lora.layersOf(name);
                    for (JsonNode l : a.path("layers")) {
                        String path = l.path("path").asText();
                        LoraLinear layer = layers.get(path);
                        if (layer == null) {
                            throw new IOException(file + ": adapter " + name + " has no layer " + path
                                    + " in this backbone");
                        }
                        LoraAdapter adapter = layer.getAdapter(name);
                        for (Map.Entry<String, Parameter> t : adapter.tensors().entrySet()) {
                            read(st, LoraTensorNames.checkpointKey(path, t.getKey(), name), t.getValue());
                        }
                        adapter.a().freeze(!l.path("trainableA").asBoolean());
                        adapter.b().freeze(!l.path("trainableB").asBoolean());
                        l.path("trainableExtra").fields().forEachRemaining(x ->
                                adapter.tensor(x.getKey()).freeze(!x.getValue().asBoolean()));
                    }
                }
                lora.setActiveAdaptersByLayer(activeSets(root.path("activeAdapters")));
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
