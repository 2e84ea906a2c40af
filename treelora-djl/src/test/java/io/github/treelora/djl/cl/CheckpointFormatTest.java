package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.djl.lora.LoraAdapter;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.lora.LoraTensorNames;
import io.github.treelora.io.SafetensorsFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checkpoint manifest's versions: checkpoints written by the code of format version 1 (kept as test resources,
 * see {@link LegacyCheckpoints}) load, restore exactly what their files hold and resume; newer versions and corrupt
 * manifests are refused with the file, the version or the field named, before the backbone is touched.
 */
class CheckpointFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Stream<LegacyCheckpoints.Case> legacyCases() {
        return LegacyCheckpoints.CASES.stream();
    }

    /** A writable copy of a kept checkpoint (loading and resuming rewrite it). */
    private Path copy(String resource, String name) throws IOException, URISyntaxException {
        Path from = Path.of(CheckpointFormatTest.class.getResource(resource).toURI());
        Path to = tmp.resolve(name);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("legacyCases")
    void versionOneCheckpointsRestoreWhatTheirFilesHoldAndResume(LegacyCheckpoints.Case c) throws Exception {
        Path dir = copy(c.resource(), c.name());
        JsonNode raw = JSON.readTree(dir.resolve(Checkpoint.JSON).toFile());
        assertEquals(1, raw.path("version").asInt(), "the kept file is of version 1");

        Checkpoint.Loaded loaded = Checkpoint.load(dir);
        assertEquals(1, loaded.manifest().version());
        assertEquals(c.completed(), loaded.completedTasks());
        assertEquals(raw.path("elapsedSeconds").asDouble(), loaded.elapsedSeconds(), 0.0);
        double[][] saved = accuracy(raw);
        double[][] read = loaded.accuracy().toArray();
        for (int i = 0; i < saved.length; i++) {
            assertArrayEquals(saved[i], read[i], 0.0, "accuracy row " + i);
        }
        assertEquals(raw.path("taskStats").size(), loaded.taskStats().size());
        assertEquals(raw.path("taskStats").get(0).path("epochLosses").get(1).asDouble(),
                loaded.taskStats().get(0).epochLosses().get(1), 0.0);
        assertEquals(raw.has("objective") ? raw.path("objective").asText() : TaskObjective.CLASSIFICATION,
                loaded.manifest().objective());

        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LoraModel lora = new LoraModel(c.backbone().apply(m).block());
            loaded.restoreAdapters(lora);
            int restored = 0;
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(Checkpoint.ADAPTERS))) {
                for (JsonNode a : raw.path("adapters")) {
                    String name = a.path("name").asText();
                    for (JsonNode l : a.path("layers")) {
                        String path = l.path("path").asText();
                        LoraAdapter adapter = lora.layersOf(name).get(path).getAdapter(name);
                        assertEquals(l.path("rank").asInt(), adapter.spec().rank(), path);
                        assertEquals(l.path("alpha").asDouble(), adapter.spec().alpha(), 0.0, path);
                        assertEquals(l.path("variant").asText("lora"), adapter.spec().variant().id(), path);
                        assertEquals(l.path("trainableA").asBoolean(), adapter.a().requiresGradient(), path);
                        assertEquals(l.path("trainableB").asBoolean(), adapter.b().requiresGradient(), path);
                        l.path("trainableExtra").fields().forEachRemaining(x -> assertEquals(
                                x.getValue().asBoolean(), adapter.tensor(x.getKey()).requiresGradient()));
                        for (Map.Entry<String, Parameter> t : adapter.tensors().entrySet()) {
                            String key = LoraTensorNames.checkpointKey(path, t.getKey(), name);
                            assertArrayEquals(f.readFloats(key), t.getValue().getArray().toFloatArray(), key);
                            restored++;
                        }
                    }
                }
                assertEquals(f.names().size(), restored, "every tensor of the file is restored");
            }
            Map<String, List<String>> active = new LinkedHashMap<>();
            raw.path("activeAdapters").fields().forEachRemaining(e -> {
                List<String> names = new ArrayList<>();
                e.getValue().forEach(n -> names.add(n.asText()));
                active.put(e.getKey(), names);
            });
            assertEquals(active, lora.activeAdaptersByLayer());
        }

        ContinualResult resumed;
        List<ContinualTask> tasks = c.tasks().get();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            resumed = new ContinualTrainer(c.config().get().checkpointDir(dir).build()).resume(
                    c.backbone().apply(m), tasks, c.strategy().get());
        }
        assertEquals(c.completed(), resumed.resumedAfterTask());
        double[][] acc = resumed.accuracy();
        for (int i = 0; i < c.completed(); i++) {
            for (int j = i; j < c.completed(); j++) {
                assertEquals(saved[i][j], acc[i][j], 0.0, "R" + i + j + " comes from the checkpoint");
            }
        }
        int last = tasks.size() - 1;
        for (int i = 0; i < tasks.size(); i++) {
            assertFalse(Double.isNaN(acc[i][last]), "task " + i + " evaluated after the last task");
        }
        assertEquals(CheckpointManifest.VERSION, JSON.readTree(dir.resolve(Checkpoint.JSON).toFile())
                .path("version").asInt(), "the resumed run writes the current version");
        assertEquals(tasks.size(), Checkpoint.load(dir).completedTasks());
    }

    private static double[][] accuracy(JsonNode raw) {
        JsonNode rows = raw.path("accuracy");
        double[][] out = new double[rows.size()][rows.size()];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < out.length; j++) {
                JsonNode v = rows.get(i).get(j);
                out[i][j] = v.isNull() ? Double.NaN : v.asDouble();
            }
        }
        return out;
    }

    /** A checkpoint of the current version, from a short run. */
    private Path currentCheckpoint(String name) throws IOException {
        Path dir = tmp.resolve(name);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            new ContinualTrainer(ContinualTrainerConfig.builder().epochs(1).batchSize(8).seed(2).progress(false)
                    .checkpointDir(dir).build()).run(Synthetic.backbone(m, 1), Synthetic.tasks(2, 2, 4, 4, 1, 0.5),
                    Strategies.create("seqlora"));
        }
        JsonNode raw = JSON.readTree(dir.resolve(Checkpoint.JSON).toFile());
        assertEquals(CheckpointManifest.VERSION, raw.path("version").asInt());
        assertEquals("classification", raw.path("objective").asText(), "version 2 always writes the objective");
        assertEquals("lora", raw.path("adapters").get(0).path("layers").get(0).path("variant").asText(),
                "version 2 always writes the variant");
        return dir;
    }

    /** Edits the manifest of {@code dir} and expects loading to fail with all of {@code expected} in the message. */
    private static void assertRefused(Path dir, Consumer<ObjectNode> edit, String... expected) throws IOException {
        Path json = dir.resolve(Checkpoint.JSON);
        String original = Files.readString(json);
        ObjectNode root = (ObjectNode) JSON.readTree(original);
        edit.accept(root);
        Files.writeString(json, root.toString());
        try {
            IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir));
            for (String part : expected) {
                assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
            }
        } finally {
            Files.writeString(json, original);
        }
    }

    @Test
    void newerAndUnknownVersionsAreRefusedNamingTheVersion() throws Exception {
        Path current = currentCheckpoint("current");
        String file = current.resolve(Checkpoint.JSON).toString();
        assertRefused(current, r -> r.put("version", CheckpointManifest.VERSION + 1), file,
                "unsupported version " + (CheckpointManifest.VERSION + 1), "newer build");
        assertRefused(current, r -> r.put("version", 0), file, "unsupported version 0");
        assertRefused(current, r -> r.put("version", "2"), file, "field version", "not an integer");
        assertRefused(current, r -> r.remove("version"), file, "field version", "missing");
        assertRefused(current, r -> r.put("format", "something-else"), file, "not a treelora-continual-checkpoint");
        Checkpoint.load(current); // the edits were undone
    }

    @Test
    void corruptManifestsAreRefusedNamingTheFileAndTheField() throws Exception {
        Path current = currentCheckpoint("current");
        String file = current.resolve(Checkpoint.JSON).toString();
        assertRefused(current, r -> r.remove("completedTasks"), file, "completedTasks");
        assertRefused(current, r -> r.remove("objective"), file, "objective");
        assertRefused(current, r -> r.put("seed", "four"), file, "field seed");
        assertRefused(current, r -> r.put("completedTasks", 2.5), file, "field completedTasks");
        assertRefused(current, r -> r.put("completedTasks", 3), file, "field completedTasks", "3 is not in [1, 2]");
        assertRefused(current, r -> r.put("protocol", "SIDEWAYS"), file, "field protocol", "SIDEWAYS");
        assertRefused(current, r -> r.put("objective", "regression"), file, "field objective", "regression");
        assertRefused(current, r -> r.put("unexpected", 1), file, "unexpected");
        assertRefused(current, r -> ((ArrayNode) r.path("taskNames")).remove(1), file, "field taskNames");
        assertRefused(current, r -> ((ArrayNode) r.path("accuracy").get(1)).remove(1), file, "field accuracy[1]");
        assertRefused(current, r -> ((ArrayNode) r.path("accuracy").get(0)).set(0, 1.5), file,
                "field accuracy[0][0]", "1.5");
        assertRefused(current, r -> r.remove("headSha256"), file, "field headSha256");
        assertRefused(current, r -> ((ObjectNode) r.path("adapters").get(0).path("layers").get(1))
                .put("rank", "four"), file, "field adapters[0].layers[1].rank");
        assertRefused(current, r -> ((ObjectNode) r.path("adapters").get(0).path("layers").get(0))
                .remove("variant"), file, "adapters[0].layers[0]", "variant");
        assertRefused(current, r -> ((ObjectNode) r.path("backbone")).putNull("sha256"), file,
                "field backbone.sha256");
        Files.writeString(current.resolve(Checkpoint.JSON), "{\"format\": ");
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(current));
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void aRefusedManifestLeavesTheBackboneUntouched() throws Exception {
        Path dir = copy("/checkpoints/v1/treelora-paper", "paper");
        ObjectNode root = (ObjectNode) JSON.readTree(dir.resolve(Checkpoint.JSON).toFile());
        ((ObjectNode) root.path("adapters").get(0).path("layers").get(0)).put("alpha", "eight");
        Files.writeString(dir.resolve(Checkpoint.JSON), root.toString());
        LegacyCheckpoints.Case c = LegacyCheckpoints.CASES.get(0);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = c.backbone().apply(m);
            IOException e = assertThrows(IOException.class, () -> new ContinualTrainer(c.config().get()
                    .checkpointDir(dir).build()).resume(backbone, c.tasks().get(), c.strategy().get()));
            assertTrue(e.getMessage().contains("field adapters[0].layers[0].alpha"), e.getMessage());
            assertTrue(new LoraModel(backbone.block()).loraLayers().isEmpty(), "no adapter was injected");
            assertTrue(backbone.block().getChildren().stream().noneMatch(b -> b.getValue() instanceof LoraLinear));
        }
    }
}
