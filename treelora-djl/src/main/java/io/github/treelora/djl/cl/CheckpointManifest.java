package io.github.treelora.djl.cl;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.djl.lora.PlainLora;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The manifest of a {@link Checkpoint}, its {@value Checkpoint#JSON}, as typed records bound with Jackson.
 *
 * <p>Format versions ({@link #VERSION} is written; every version listed here is read):
 * <ol>
 *   <li>the first format: {@code objective} absent for classification, {@code taskInference} absent in files
 *       written before task inference existed (meaning {@code NONE}), and a layer's {@code variant} and
 *       {@code trainableExtra} absent for plain LoRA;</li>
 *   <li>the same fields, all of them always written, plus {@code strategyId} (the strategy's stable
 *       {@link ContinualStrategy#id()}). A version 1 file is read by filling in those defaults; it has no
 *       {@code strategyId}, so its strategy is matched by display name.</li>
 * </ol>
 * A newer version, another format or a field that is missing, of the wrong type or inconsistent is refused with a
 * message naming the file and the field. Bump {@link #VERSION} whenever what is written changes, and teach
 * {@link #read} the older versions.
 *
 * @param format always {@link #FORMAT}
 * @param version the format version the file was written in
 * @param objective {@link TaskObjective#CLASSIFICATION} or {@link TaskObjective#CAUSAL_LM}
 * @param completedTasks tasks finished when the checkpoint was written
 * @param strategy the strategy's display name
 * @param strategyId the strategy's id; null only in version 1 files
 * @param seed the trainer's seed
 * @param protocol the evaluation protocol
 * @param taskInference the task inference mode
 * @param numClasses the head's classes (the tasks' class count for a causal-LM stream)
 * @param backbone the frozen backbone the adapters belong to
 * @param taskIds every task's id, in training order
 * @param taskNames every task's name, in training order
 * @param accuracy the accuracy matrix, {@code null} where not (yet) measured
 * @param taskStats statistics of each finished task
 * @param elapsedSeconds training time so far
 * @param adapters every adapter's per-layer structure
 * @param activeAdapters module path to its active adapters, in the order the layer sums them
 * @param taskActiveAdapters with task inference, the active adapters at the end of each finished task; else null
 * @param adaptersSha256 SHA-256 of {@value Checkpoint#ADAPTERS}
 * @param headSha256 SHA-256 of {@value Checkpoint#HEAD}; null without a head (causal-LM)
 */
@JsonPropertyOrder({"format", "version", "objective", "completedTasks", "strategy", "strategyId", "seed", "protocol",
    "taskInference", "numClasses", "backbone", "taskIds", "taskNames", "accuracy", "taskStats", "elapsedSeconds",
    "adapters", "activeAdapters", "taskActiveAdapters", "adaptersSha256", "headSha256"})
@JsonInclude(JsonInclude.Include.NON_NULL)
record CheckpointManifest(
        @JsonProperty(required = true) String format,
        @JsonProperty(required = true) int version,
        @JsonProperty(required = true) String objective,
        @JsonProperty(required = true) int completedTasks,
        @JsonProperty(required = true) String strategy,
        String strategyId,
        @JsonProperty(required = true) long seed,
        @JsonProperty(required = true) EvaluationProtocol protocol,
        @JsonProperty(required = true) TaskInference taskInference,
        @JsonProperty(required = true) int numClasses,
        @JsonProperty(required = true) BackboneRef backbone,
        @JsonProperty(required = true) List<Integer> taskIds,
        @JsonProperty(required = true) List<String> taskNames,
        @JsonProperty(required = true) List<List<Double>> accuracy,
        @JsonProperty(required = true) List<ContinualResult.TaskStats> taskStats,
        @JsonProperty(required = true) double elapsedSeconds,
        @JsonProperty(required = true) List<AdapterEntry> adapters,
        @JsonProperty(required = true) Map<String, List<String>> activeAdapters,
        List<Map<String, List<String>>> taskActiveAdapters,
        @JsonProperty(required = true) String adaptersSha256,
        String headSha256) {

    /** The {@code format} of every checkpoint manifest. */
    static final String FORMAT = "treelora-continual-checkpoint";

    /** The format version this code writes. */
    static final int VERSION = 2;

    /** The oldest format version this code reads. */
    static final int OLDEST_READABLE = 1;

    /**
     * The backbone a checkpoint's adapters belong to (its weights are frozen and not saved).
     *
     * @param name the backbone's name
     * @param sha256 {@link Checkpoint#backboneSha256} of its weights
     */
    @JsonPropertyOrder({"name", "sha256"})
    record BackboneRef(@JsonProperty(required = true) String name, @JsonProperty(required = true) String sha256) {
    }

    /**
     * One adapter.
     *
     * @param name the adapter's name
     * @param layers the layers it adapts, in forward order
     */
    @JsonPropertyOrder({"name", "layers"})
    record AdapterEntry(@JsonProperty(required = true) String name,
            @JsonProperty(required = true) List<LayerEntry> layers) {
    }

    /**
     * One adapter on one layer.
     *
     * @param path the layer's module path
     * @param rank the rank
     * @param alpha the scaling numerator
     * @param dropout the input dropout
     * @param rsLora whether the scaling is rank-stabilised
     * @param trainableA whether A trains
     * @param trainableB whether B trains
     * @param variant the {@link io.github.treelora.djl.lora.LoraVariant#id()}
     * @param trainableExtra whether each of the variant's own tensors trains, by kind (empty for plain LoRA)
     */
    @JsonPropertyOrder({"path", "rank", "alpha", "dropout", "rsLora", "trainableA", "trainableB", "variant",
        "trainableExtra"})
    record LayerEntry(@JsonProperty(required = true) String path, @JsonProperty(required = true) int rank,
            @JsonProperty(required = true) double alpha, @JsonProperty(required = true) double dropout,
            @JsonProperty(required = true) boolean rsLora, @JsonProperty(required = true) boolean trainableA,
            @JsonProperty(required = true) boolean trainableB, @JsonProperty(required = true) String variant,
            @JsonProperty(required = true) Map<String, Boolean> trainableExtra) {
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    /**
     * Writes this manifest as {@code file}.
     *
     * @param file the target ({@value Checkpoint#JSON} in a directory being assembled)
     * @throws IOException if writing fails
     */
    void write(Path file) throws IOException {
        Files.writeString(file, MAPPER.writeValueAsString(this));
    }

    /**
     * Reads and checks a manifest of any readable version.
     *
     * @param file the {@value Checkpoint#JSON} file
     * @return the manifest, with a version 1 file's absent fields filled in by their meaning
     * @throws IOException naming the file, and the field where one is at fault: missing file, not JSON, another
     *     format, an unsupported version, a missing, mistyped or inconsistent field
     */
    static CheckpointManifest read(Path file) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IOException("no checkpoint in " + file.getParent() + ": " + file.getFileName() + " is missing",
                    e);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(root instanceof ObjectNode object) || !FORMAT.equals(root.path("format").asText())) {
            throw new IOException(file + ": not a " + FORMAT + " file");
        }
        JsonNode version = object.path("version");
        if (!version.isInt()) {
            throw fieldError(file, "version", version.isMissingNode() ? "missing" : "not an integer: " + version);
        }
        int v = version.intValue();
        if (v < OLDEST_READABLE || v > VERSION) {
            throw new IOException(file + ": unsupported version " + v + " (this build reads versions "
                    + OLDEST_READABLE + " to " + VERSION + (v > VERSION ? "; the checkpoint was written by a newer"
                    + " build" : "") + ")");
        }
        if (v == 1) {
            upgradeFromVersion1(object);
        }
        CheckpointManifest m;
        try {
            m = MAPPER.treeToValue(object, CheckpointManifest.class);
        } catch (JsonMappingException e) {
            throw fieldError(file, path(e), problem(e));
        }
        m.check(file);
        return m;
    }

    /** Fills in what version 1 left out, with the meaning its absence had. */
    private static void upgradeFromVersion1(ObjectNode root) {
        if (!root.has("objective")) {
            root.put("objective", TaskObjective.CLASSIFICATION);
        }
        if (!root.has("taskInference")) {
            root.put("taskInference", TaskInference.NONE.name());
        }
        for (JsonNode adapter : root.path("adapters")) {
            for (JsonNode layer : adapter.path("layers")) {
                if (layer instanceof ObjectNode l) {
                    if (!l.has("variant")) {
                        l.put("variant", PlainLora.INSTANCE.id());
                    }
                    if (!l.has("trainableExtra")) {
                        l.putObject("trainableExtra");
                    }
                }
            }
        }
    }

    /** Consistency the types cannot express. */
    private void check(Path file) throws IOException {
        requireField(file, "strategy", strategy != null);
        requireField(file, "strategyId", version < 2 || strategyId != null);
        requireField(file, "backbone.name", backbone.name() != null);
        requireField(file, "backbone.sha256", backbone.sha256() != null);
        requireField(file, "adaptersSha256", adaptersSha256 != null);
        if (!TaskObjective.CLASSIFICATION.equals(objective) && !TaskObjective.CAUSAL_LM.equals(objective)) {
            throw fieldError(file, "objective", "unknown objective \"" + objective + "\"");
        }
        if (TaskObjective.CLASSIFICATION.equals(objective) && headSha256 == null) {
            throw fieldError(file, "headSha256", "missing (a classification checkpoint has a head)");
        }
        int n = taskIds.size();
        if (taskNames.size() != n) {
            throw fieldError(file, "taskNames", taskNames.size() + " names for " + n + " task ids");
        }
        if (accuracy.size() != n) {
            throw fieldError(file, "accuracy", accuracy.size() + " rows for " + n + " tasks");
        }
        for (int i = 0; i < n; i++) {
            List<Double> row = accuracy.get(i);
            if (row == null || row.size() != n) {
                throw fieldError(file, "accuracy[" + i + "]", (row == null ? "null" : row.size() + " entries")
                        + " for " + n + " tasks");
            }
            for (int j = 0; j < n; j++) {
                Double a = row.get(j);
                if (a != null && !(a >= 0 && a <= 1)) {
                    throw fieldError(file, "accuracy[" + i + "][" + j + "]", a + " is not in [0, 1]");
                }
            }
        }
        if (completedTasks < 1 || completedTasks > n) {
            throw fieldError(file, "completedTasks", completedTasks + " is not in [1, " + n + "]");
        }
        if (taskStats.size() != completedTasks) {
            throw fieldError(file, "taskStats", taskStats.size() + " entries for " + completedTasks
                    + " completed tasks");
        }
        for (int a = 0; a < adapters.size(); a++) {
            AdapterEntry adapter = adapters.get(a);
            requireField(file, "adapters[" + a + "].name", adapter.name() != null);
            for (int l = 0; l < adapter.layers().size(); l++) {
                LayerEntry layer = adapter.layers().get(l);
                String at = "adapters[" + a + "].layers[" + l + "]";
                requireField(file, at + ".path", layer.path() != null);
                requireField(file, at + ".variant", layer.variant() != null);
                if (layer.rank() < 1) {
                    throw fieldError(file, at + ".rank", layer.rank() + " is not positive");
                }
            }
        }
    }

    private static void requireField(Path file, String field, boolean present) throws IOException {
        if (!present) {
            throw fieldError(file, field, "null");
        }
    }

    private static IOException fieldError(Path file, String field, String problem) {
        return new IOException(file + ": field " + field + ": " + problem);
    }

    /** A mapping error's problem, without Jackson's hints about its own configuration. */
    private static String problem(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException) {
            return "not a field of this format version";
        }
        if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
            return "\"" + f.getValue() + "\" is not one of " + Arrays.toString(f.getTargetType().getEnumConstants());
        }
        String message = e.getOriginalMessage();
        if (message.startsWith("Missing required creator property")) {
            return "missing";
        }
        for (String hint : List.of(" (but ", " (for ", " (class ")) {
            int at = message.indexOf(hint);
            if (at > 0) {
                message = message.substring(0, at);
            }
        }
        return message;
    }

    /** A mapping error's location as {@code adapters[0].layers[1].rank}. */
    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                out.append(out.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.isEmpty() ? "(top level)" : out.toString();
    }
}
