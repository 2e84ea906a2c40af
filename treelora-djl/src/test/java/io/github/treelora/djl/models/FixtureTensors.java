package io.github.treelora.djl.models;

import java.nio.file.Path;
import java.util.Map;

/** Test fixtures written by make_vit_fixture.py: NAME.safetensors files, read with the production reader. */
final class FixtureTensors {

    static final Path VIT_TINY = Path.of("src/test/resources/fixtures/vit-tiny");

    private FixtureTensors() {}

    /** All tensors of {@code dir/NAME.safetensors}, copied to memory (the file is closed again). */
    static Map<String, HostTensor> read(Path dir, String name) {
        try (SafetensorsTensorSource source = SafetensorsTensorSource.openFile(dir.resolve(name + ".safetensors"))) {
            return InMemoryTensorSource.copyOf(source).build().tensors();
        }
    }
}
