package io.github.treelora.djl.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-only reader of the fixture format written by make_vit_fixture.py: NAME.bin (float32 LE) + NAME.json. */
final class FixtureTensors {

    static final Path VIT_TINY = Path.of("src/test/resources/fixtures/vit-tiny");

    private FixtureTensors() {}

    static Map<String, HostTensor> read(Path dir, String name) throws IOException {
        JsonNode index = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name + ".bin")))
                .order(ByteOrder.LITTLE_ENDIAN);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = index.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode shapeNode = e.getValue().get("shape");
            long[] shape = new long[shapeNode.size()];
            long n = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
                n *= shape[i];
            }
            float[] data = new float[(int) n];
            bytes.position(e.getValue().get("offset").asInt() * 4);
            bytes.asFloatBuffer().get(data);
            out.put(e.getKey(), new HostTensor(shape, data));
        }
        return out;
    }
}
