package io.github.treelora.djl.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test-only access to the fixtures written by src/test/python/make_llama_fixture.py: a minimal F32/I64
 * safetensors reader (to be replaced by treelora-core's SafetensorsFile once it lands) and JSON helpers.
 */
final class FixtureFiles {

    private FixtureFiles() {}

    static Path dir(String name) {
        try {
            return Paths.get(FixtureFiles.class.getResource("/fixtures/" + name + "/config.json").toURI()).getParent();
        } catch (Exception e) {
            throw new IllegalStateException("fixture " + name + " not on the test class path", e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long[][] longMatrix(JsonNode node) {
        long[][] out = new long[node.size()][];
        for (int i = 0; i < node.size(); i++) {
            out[i] = longs(node.get(i));
        }
        return out;
    }

    static long[] longs(JsonNode node) {
        long[] out = new long[node.size()];
        for (int i = 0; i < node.size(); i++) {
            out[i] = node.get(i).asLong();
        }
        return out;
    }

    static long[] flatten(long[][] m) {
        return java.util.Arrays.stream(m).flatMapToLong(java.util.Arrays::stream).toArray();
    }

    /** Reads every F32 tensor of a safetensors file (u64 header size, JSON header, little-endian data). */
    static InMemoryTensorSource safetensors(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int headerLen = Math.toIntExact(buf.getLong(0));
            JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, headerLen, StandardCharsets.UTF_8));
            int base = 8 + headerLen;
            InMemoryTensorSource.Builder b = InMemoryTensorSource.builder();
            Map<String, JsonNode> entries = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                entries.put(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode t = e.getValue();
                if (!t.get("dtype").asText().equals("F32")) {
                    throw new IllegalArgumentException(file + ": tensor " + e.getKey() + " is not F32");
                }
                long[] shape = longs(t.get("shape"));
                int start = base + t.get("data_offsets").get(0).asInt();
                int end = base + t.get("data_offsets").get(1).asInt();
                float[] v = new float[(end - start) / 4];
                ByteBuffer.wrap(bytes, start, end - start).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                b.put(e.getKey(), shape, v);
            }
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
