package io.github.treelora.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.treelora.memory.MemorySlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads raw per-task vectors from JSON: {@code {"tasks": [[[layer-0 floats...], [layer-1 floats...], ...], ...]}}
 * (task-major, then layer, then values; the vectors as stored, before any differencing).
 */
public final class TaskVectorsFile {

    // NaN/Infinity literals are accepted by the parser so that they can be rejected with a clear message.
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private TaskVectorsFile() {}

    /**
     * Reads and validates the file.
     *
     * @param file the JSON file
     * @return one memory slot per task, task ids 0..n-1
     * @throws IOException if the file is missing, unreadable or malformed (the message names the problem)
     */
    public static List<MemorySlot<float[]>> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IOException("vectors file not found: " + file, e);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject() || !root.has("tasks")) {
            throw new IOException(file + ": expected an object with a \"tasks\" array");
        }
        JsonNode tasks = root.get("tasks");
        if (!tasks.isArray() || tasks.isEmpty()) {
            throw new IOException(file + ": \"tasks\" must be a non-empty array of tasks");
        }
        List<MemorySlot<float[]>> out = new ArrayList<>();
        int[] layerLengths = null;
        for (int t = 0; t < tasks.size(); t++) {
            JsonNode task = tasks.get(t);
            if (!task.isArray() || task.isEmpty()) {
                throw new IOException(file + ": task " + t + " must be a non-empty array of layer vectors");
            }
            if (layerLengths == null) {
                layerLengths = new int[task.size()];
            } else if (task.size() != layerLengths.length) {
                throw new IOException(file + ": ragged layers: task " + t + " has " + task.size()
                        + " layers, task 0 has " + layerLengths.length);
            }
            List<float[]> layers = new ArrayList<>();
            for (int l = 0; l < task.size(); l++) {
                float[] v = vector(file, task.get(l), t, l);
                if (t == 0) {
                    layerLengths[l] = v.length;
                } else if (v.length != layerLengths[l]) {
                    throw new IOException(file + ": ragged layers: task " + t + " layer " + l + " has "
                            + v.length + " values, task 0 layer " + l + " has " + layerLengths[l]);
                }
                layers.add(v);
            }
            out.add(new MemorySlot<>(List.of(t), layers, 1));
        }
        return out;
    }

    private static float[] vector(Path file, JsonNode node, int task, int layer) throws IOException {
        if (!node.isArray() || node.isEmpty()) {
            throw new IOException(file + ": task " + task + " layer " + layer + " must be a non-empty array of numbers");
        }
        float[] v = new float[node.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode x = node.get(i);
            if (!x.isNumber()) {
                throw new IOException(file + ": task " + task + " layer " + layer + " value " + i
                        + " is not a number: " + x);
            }
            double d = x.asDouble();
            if (!Double.isFinite(d)) {
                throw new IOException(file + ": task " + task + " layer " + layer + " value " + i + " is " + d);
            }
            v[i] = (float) d;
        }
        return v;
    }
}
