package io.github.treelora.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds raw safetensors files byte by byte, independently of {@link SafetensorsWriter}. */
final class SafetensorsTestFiles {
    private SafetensorsTestFiles() {
    }

    /** 8-byte little-endian length, the header text as UTF-8 (unpadded), then {@code data}. */
    static Path raw(Path file, String headerJson, byte[] data) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return raw(file, header.length, header, data);
    }

    /** Like {@link #raw(Path, String, byte[])} but with an explicit (possibly lying) length field. */
    static Path raw(Path file, long declaredLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }

    /** Little-endian bytes of floats. */
    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** A test resource of this package as a file path. */
    static Path resource(String name) {
        URL url = SafetensorsTestFiles.class.getResource(name);
        if (url == null) {
            throw new UncheckedIOException(new IOException("missing test resource " + name));
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
