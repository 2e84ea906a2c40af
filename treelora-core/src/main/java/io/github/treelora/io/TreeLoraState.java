package io.github.treelora.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.TreeLora;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.bandit.SelectorState;
import io.github.treelora.memory.MemorySlot;
import io.github.treelora.vector.VectorOps;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Saves and loads the whole core state of a {@link TreeLora} (configuration, stored task vectors, the
 * running task's means and counters, bandit statistics) to a directory of two files:
 * <ul>
 *   <li>{@value #STATE_JSON}: structure: format version, configuration, per-entry task ids and sample counts,
 *       counters, the tree (for readers; it is rebuilt from the vectors on load and must match), and the
 *       SHA-256 of the vectors file;</li>
 *   <li>{@value #VECTORS_FILE}: safetensors, readable by any safetensors tool: {@code slot.<i>.layer.<l>} (F32,
 *       stored task vectors), {@code current.layer.<l>} (F32, running means), {@code bandit.pulls} (I64 [arms,
 *       layers]) and {@code bandit.sums} (F64 [arms, layers]).</li>
 * </ul>
 * Saving writes a sibling temporary directory and swaps it in, so a crash never leaves a half-written state
 * in place of the previous one. Loading validates everything before returning; a corrupted, truncated or
 * inconsistent state raises an {@link IOException} naming the file and problem, and nothing is returned.
 */
public final class TreeLoraState {

    /** Name of the structure file. */
    public static final String STATE_JSON = "treelora-state.json";
    /** Name of the vectors file. */
    public static final String VECTORS_FILE = "treelora-vectors.safetensors";
    /** Format identifier stored in the JSON. */
    public static final String FORMAT = "treelora-core-state";
    /** Current format version. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private TreeLoraState() {}

    /**
     * Saves the state; an existing state in {@code dir} is replaced only once the new one is complete.
     *
     * @param treeLora the state to save
     * @param dir target directory (created if absent)
     * @param <V> vector type
     * @throws IOException on write failure (the previous state, if any, is left in place)
     */
    public static <V> void save(TreeLora<V> treeLora, Path dir) throws IOException {
        AtomicDirectory.replace(dir, tmp -> writeInto(treeLora, tmp));
    }

    /**
     * Loads a saved state into a new {@link TreeLora}.
     *
     * @param dir a directory written by {@link #save}
     * @param ops vector arithmetic for the loaded vectors
     * @param <V> vector type
     * @return the restored state
     * @throws IOException if a file is missing, corrupted, truncated or inconsistent
     */
    public static <V> TreeLora<V> load(Path dir, VectorOps<V> ops) throws IOException {
        Path jsonFile = dir.resolve(STATE_JSON);
        Path vectorsFile = dir.resolve(VECTORS_FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(jsonFile));
        } catch (NoSuchFileException e) {
            throw new IOException("no TreeLoRA state in " + dir + ": " + STATE_JSON + " is missing", e);
        } catch (IOException e) {
            throw new IOException(jsonFile + " is not valid JSON: " + e.getMessage(), e);
        }
        require(root != null && root.isObject(), jsonFile, "expected a JSON object");
        require(FORMAT.equals(root.path("format").asText()), jsonFile, "not a " + FORMAT + " file");
        require(root.path("version").asInt(-1) == VERSION, jsonFile,
                "unsupported version " + root.path("version") + " (this library reads " + VERSION + ")");
        String expectedSha = field(root, "vectorsSha256", jsonFile).asText();
        if (!Files.exists(vectorsFile)) {
            throw new IOException("no TreeLoRA state in " + dir + ": " + VECTORS_FILE + " is missing");
        }
        require(expectedSha.equals(sha256(vectorsFile)), vectorsFile,
                "content does not match the SHA-256 recorded in " + STATE_JSON + " (corrupted or from another save)");

        TreeLoraConfig config;
        try {
            config = JSON.treeToValue(field(root, "config", jsonFile), TreeLoraConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(jsonFile + ": invalid config: " + e.getMessage(), e);
        }
        int layers = field(root, "numLayers", jsonFile).asInt();
        require(layers >= 1, jsonFile, "numLayers must be >= 1");
        JsonNode slotsJson = field(root, "slots", jsonFile);
        JsonNode progressJson = field(root, "progress", jsonFile);
        require(slotsJson.isArray(), jsonFile, "\"slots\" must be an array");

        List<MemorySlot<V>> slots = new ArrayList<>();
        List<V> currentMeans = new ArrayList<>();
        List<V> created = new ArrayList<>();
        boolean ok = false;
        try (SafetensorsFile st = SafetensorsFile.open(vectorsFile)) {
            for (int i = 0; i < slotsJson.size(); i++) {
                JsonNode s = slotsJson.get(i);
                List<Integer> ids = new ArrayList<>();
                field(s, "taskIds", jsonFile).forEach(n -> ids.add(n.asInt()));
                List<V> vectors = new ArrayList<>();
                for (int l = 0; l < layers; l++) {
                    V v = ops.fromFloatArray(st.readFloats("slot." + i + ".layer." + l));
                    created.add(v);
                    vectors.add(v);
                }
                slots.add(new MemorySlot<>(ids, vectors, field(s, "sampleCount", jsonFile).asLong()));
            }
            long accumulated = field(progressJson, "accumulatedSteps", jsonFile).asLong();
            if (accumulated > 0) {
                for (int l = 0; l < layers; l++) {
                    V v = ops.fromFloatArray(st.readFloats("current.layer." + l));
                    created.add(v);
                    currentMeans.add(v);
                }
            }
            SelectorState selector = null;
            if (progressJson.path("hasSelector").asBoolean(false)) {
                long[] pulls = st.readLongs("bandit.pulls");
                double[] sums = st.readDoubles("bandit.sums");
                int arms = slots.size();
                require(pulls.length == arms * layers && sums.length == arms * layers, vectorsFile,
                        "bandit statistics have " + pulls.length + " entries, expected " + arms * layers);
                long[][] p = new long[arms][layers];
                double[][] q = new double[arms][layers];
                for (int k = 0; k < arms; k++) {
                    System.arraycopy(pulls, k * layers, p[k], 0, layers);
                    System.arraycopy(sums, k * layers, q[k], 0, layers);
                }
                selector = new SelectorState(p, q, field(progressJson, "selectorStep", jsonFile).asInt(),
                        field(progressJson, "selectorStepsPerEpoch", jsonFile).asInt(),
                        field(progressJson, "rngState", jsonFile).asLong());
            }
            TreeLora.Progress progress = new TreeLora.Progress(
                    field(progressJson, "currentTask", jsonFile).asInt(),
                    field(progressJson, "stepInEpoch", jsonFile).asInt(),
                    field(progressJson, "stepsPerEpoch", jsonFile).asInt(), accumulated, selector);
            TreeLora<V> restored = new TreeLora<>(config, ops, layers);
            restored.restore(slots, progress, currentMeans);
            if (selector == null && progressJson.has("selectorRandomState")) {
                // Between tasks: no statistics are saved, but the generator has advanced.
                restored.restoreSelectorRandomState(progressJson.get("selectorRandomState").asLong());
            }
            if (restored.tree() != null && root.has("tree")) {
                require(restored.tree().toJson().equals(root.get("tree")), jsonFile,
                        "the tree rebuilt from the stored vectors differs from the saved tree");
            }
            ok = true;
            return restored;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException("inconsistent TreeLoRA state in " + dir + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                created.forEach(ops::release);
            }
        }
    }

    private static <V> void writeInto(TreeLora<V> tl, Path dir) throws IOException {
        VectorOps<V> ops = tl.ops();
        int layers = tl.numLayers();
        SafetensorsWriter w = new SafetensorsWriter();
        w.putMetadata("format", FORMAT);
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.set("config", JSON.valueToTree(tl.config()));
        root.put("numLayers", layers);
        ArrayNode slots = root.putArray("slots");
        List<MemorySlot<V>> stored = tl.memory().slots();
        for (int i = 0; i < stored.size(); i++) {
            MemorySlot<V> s = stored.get(i);
            ObjectNode o = slots.addObject();
            ArrayNode ids = o.putArray("taskIds");
            s.taskIds().forEach(ids::add);
            o.put("sampleCount", s.sampleCount());
            for (int l = 0; l < layers; l++) {
                float[] v = ops.toFloatArray(s.vectors().get(l));
                w.putFloats("slot." + i + ".layer." + l, new long[] {v.length}, v);
            }
        }
        TreeLora.Progress p = tl.progress();
        ObjectNode progress = root.putObject("progress");
        progress.put("currentTask", p.currentTask());
        progress.put("stepInEpoch", p.stepInEpoch());
        progress.put("stepsPerEpoch", p.stepsPerEpoch());
        progress.put("accumulatedSteps", p.accumulatedSteps());
        if (p.accumulatedSteps() > 0) {
            List<V> means = tl.currentMeans();
            for (int l = 0; l < layers; l++) {
                float[] v = ops.toFloatArray(means.get(l));
                w.putFloats("current.layer." + l, new long[] {v.length}, v);
            }
        }
        SelectorState sel = p.selector();
        progress.put("selectorRandomState", tl.selectorRandomState());
        progress.put("hasSelector", sel != null);
        if (sel != null) {
            int arms = sel.pulls().length;
            long[] pulls = new long[arms * layers];
            double[] sums = new double[arms * layers];
            for (int k = 0; k < arms; k++) {
                System.arraycopy(sel.pulls()[k], 0, pulls, k * layers, layers);
                System.arraycopy(sel.sums()[k], 0, sums, k * layers, layers);
            }
            w.putLongs("bandit.pulls", new long[] {arms, layers}, pulls);
            w.putDoubles("bandit.sums", new long[] {arms, layers}, sums);
            progress.put("selectorStep", sel.step());
            progress.put("selectorStepsPerEpoch", sel.stepsPerEpoch());
            progress.put("rngState", sel.rngState());
        }
        if (tl.tree() != null) {
            root.set("tree", tl.tree().toJson());
        }
        Path vectors = dir.resolve(VECTORS_FILE);
        w.write(vectors);
        root.put("vectorsSha256", sha256(vectors));
        Files.writeString(dir.resolve(STATE_JSON), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static JsonNode field(JsonNode node, String name, Path file) throws IOException {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw new IOException(file + ": missing field \"" + name + "\"");
        }
        return v;
    }

    private static void require(boolean condition, Path file, String problem) throws IOException {
        if (!condition) {
            throw new IOException(file + ": " + problem);
        }
    }
}
