package io.github.treelora.djl.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.SafetensorsTensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Test-only access to the fixtures written by src/test/python/make_llama_fixture.py: safetensors files (read with
 * {@link SafetensorsTensorSource}) and JSON helpers.
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

    /** Every tensor of a safetensors file, read with the production reader and copied to memory. */
    static InMemoryTensorSource safetensors(Path file) {
        try (SafetensorsTensorSource source = SafetensorsTensorSource.openFile(file)) {
            return InMemoryTensorSource.copyOf(source).build();
        }
    }
}
