package io.github.treelora.djl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsFormatException;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT adapter directories: the file layout, hand-written files, round trips and every kind of bad input. */
class PeftAdapterIOTest {

    static final ViTConfig VIT = ViTConfig.of(16, 4, 32, 2, 4, 64, 3);

    @TempDir
    Path tmp;

    /**
     * The adapter_config.json text as PEFT 0.14 writes it for LoraConfig(r=2, lora_alpha=4,
     * target_modules=["proj"]) saved from a model: json.dumps(indent=2, sort_keys=True), plus fields of later
     * PEFT versions that this loader does not know and must ignore.
     */
    static final String HAND_WRITTEN_CONFIG = """
            {
              "alpha_pattern": {},
              "auto_mapping": null,
              "base_model_name_or_path": "tiny",
              "bias": "none",
              "eva_config": null,
              "exclude_modules": null,
              "fan_in_fan_out": false,
              "inference_mode": true,
              "init_lora_weights": true,
              "layer_replication": null,
              "layers_pattern": null,
              "layers_to_transform": null,
              "loftq_config": {},
              "lora_alpha": 4,
              "lora_bias": false,
              "lora_dropout": 0.0,
              "megatron_config": null,
              "megatron_core": "megatron.core",
              "modules_to_save": null,
              "peft_type": "LORA",
              "peft_version": "0.17.0",
              "r": 2,
              "rank_pattern": {},
              "revision": null,
              "target_modules": [
                "proj"
              ],
              "task_type": null,
              "use_dora": false,
              "use_rslora": false
            }""";

    /** A model with one linear layer at module path {@code encoder.proj} (in 3, out 2). */
    static NamedBlocks.Named tinyModel(NDManager manager) {
        NamedBlocks.Named encoder = new NamedBlocks.Named(Map.of("proj", Linear.builder().setUnits(2).build()),
                false);
        NamedBlocks.Named root = new NamedBlocks.Named(Map.of("encoder", encoder), false);
        root.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
        Linear proj = (Linear) encoder.namedModules().get("proj");
        proj.getParameters().get("weight").getArray().set(new float[] {1, 0, 0, 0, 1, 0});
        proj.getParameters().get("bias").getArray().set(new float[] {0.5f, -0.5f});
        return root;
    }

    /** Writes the hand-written adapter, letting a test replace the config text and the tensors. */
    private Path writeHandAdapter(UnaryOperator<String> editConfig, Map<String, float[]> extra, Set<String> drop,
            Map<String, long[]> shapes) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hand-" + System.nanoTime()));
        Files.writeString(dir.resolve(PeftAdapterIO.CONFIG_FILE), editConfig.apply(HAND_WRITTEN_CONFIG));
        Map<String, float[]> values = new LinkedHashMap<>();
        values.put("base_model.model.encoder.proj.lora_A.weight", new float[] {1, 1, 0, 0, 0, 1});
        values.put("base_model.model.encoder.proj.lora_B.weight", new float[] {1, 0, 0, 2});
        values.putAll(extra);
        SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            if (!drop.contains(e.getKey())) {
                long[] shape = shapes.getOrDefault(e.getKey(), new long[] {2, e.getValue().length / 2});
                w.putFloats(e.getKey(), shape, e.getValue());
            }
        }
        w.write(dir.resolve(PeftAdapterIO.WEIGHTS_FILE));
        return dir;
    }

    private Path writeHandAdapter() throws IOException {
        return writeHandAdapter(s -> s, Map.of(), Set.of(), Map.of());
    }

    @Test
    void handWrittenPeftAdapterGivesTheHandComputedOutput() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = tinyModel(manager);
            LoraModel model = new LoraModel(root);
            List<String> paths = model.loadAdapter(writeHandAdapter(), "default");
            assertEquals(List.of("encoder.proj"), paths);
            // x = [1, 2, 3]; W x + b = [1.5, 1.5]; A x = [3, 3]; B A x = [3, 6]; scaling 4 / 2 = 2.
            float[] y = LoraTestSupport.predict(root, manager, new NDList(manager.create(new float[] {1, 2, 3},
                    new Shape(1, 3))));
            assertArrayEquals(new float[] {7.5f, 13.5f}, y);
            assertEquals(2.0, model.layersOf("default").get("encoder.proj").getScaling("default"));
            assertEquals(List.of("default"), model.activeAdapters());
            // The configuration the adapter was created with is the file's.
            LoraConfig c = model.getConfig("default").orElseThrow();
            assertEquals(2, c.rank());
            assertEquals(4.0, c.alpha());
            assertEquals(Set.of("proj"), c.targetModules());
        }
    }

    @Test
    void configJsonIsWhatPeftWrites() {
        LoraConfig lora = LoraConfig.builder().rank(2).alpha(4).targetModules("proj").build();
        String json = new PeftAdapterConfig(lora, null, "tiny", null, true).toJson();
        // PEFT 0.14's fields, without the two unknown ones the hand-written text carries, and without the two
        // that PEFT 0.13 would refuse (at their default values they are left out, see PeftAdapterConfig).
        String expected = HAND_WRITTEN_CONFIG.replace("  \"eva_config\": null,\n", "")
                .replace("  \"peft_version\": \"0.17.0\",\n", "")
                .replace("  \"exclude_modules\": null,\n", "").replace("  \"lora_bias\": false,\n", "");
        assertEquals(expected, json);

        LoraConfig rich = LoraConfig.builder().rank(8).alpha(16).dropout(0.05).targetRegex(".*\\.(query|value)")
                .layersToTransform(0, 3).rankPattern(Map.of("value", 4)).alphaPattern(Map.of("value", 2.5))
                .init(LoraInit.GAUSSIAN).useRsLora(true).build();
        String richJson = new PeftAdapterConfig(rich, "FEATURE_EXTRACTION", "sentence-transformers/all-MiniLM-L6-v2",
                null, true).toJson();
        assertTrue(richJson.contains("\n  \"target_modules\": \".*\\\\.(query|value)\",\n"), richJson);
        assertTrue(richJson.contains("\n  \"layers_to_transform\": [\n    0,\n    3\n  ],\n"), richJson);
        assertTrue(richJson.contains("\n  \"rank_pattern\": {\n    \"value\": 4\n  },\n"), richJson);
        assertTrue(richJson.contains("\n  \"alpha_pattern\": {\n    \"value\": 2.5\n  },\n"), richJson);
        assertTrue(richJson.contains("\n  \"lora_dropout\": 0.05,\n"), richJson);
        assertTrue(richJson.contains("\n  \"init_lora_weights\": \"gaussian\",\n"), richJson);
        assertTrue(richJson.contains("\n  \"task_type\": \"FEATURE_EXTRACTION\",\n"), richJson);
        PeftAdapterConfig back = PeftAdapterConfig.fromJson(richJson, "rich");
        assertEquals(rich, back.lora());
        assertEquals("FEATURE_EXTRACTION", back.taskType());
        assertEquals("sentence-transformers/all-MiniLM-L6-v2", back.baseModelNameOrPath());
        assertTrue(back.inferenceMode());
        // Python's float repr, which PEFT's json.dumps uses.
        assertEquals("1e-05", PeftAdapterConfig.pythonFloat(1e-5));
        assertEquals("0.0001", PeftAdapterConfig.pythonFloat(1e-4));
        assertEquals("16.0", PeftAdapterConfig.pythonFloat(16));
        assertEquals("1.5e+16", PeftAdapterConfig.pythonFloat(1.5e16));
    }

    /** A tiny ViT with adapter "task0" on query/value whose B is non-zero, so the adapter changes outputs. */
    static LoraModel vitWithTrainedLookingAdapter(NDManager manager, long seed) {
        ViTForImageClassification vit = new ViTForImageClassification(VIT);
        vit.initialize(manager, DataType.FLOAT32, vit.inputShape());
        LoraModel model = new LoraModel(vit);
        model.addAdapter("task0", LoraConfig.builder().rank(4).alpha(8).targetModules("query", "value").build());
        Random rnd = new Random(seed);
        for (Parameter b : model.loraB("task0").values()) {
            b.getArray().set(LoraTestSupport.randomFloats(rnd, (int) b.getArray().size()));
        }
        return model;
    }

    static NDList image(NDManager manager, long seed) {
        Random rnd = new Random(seed);
        return new NDList(manager.create(LoraTestSupport.randomFloats(rnd, 2 * 3 * 16 * 16), new Shape(2, 3, 16, 16)));
    }

    @Test
    void saveThenLoadIntoAFreshViTReproducesOutputsBitwise() throws IOException {
        Path dir = tmp.resolve("vit-adapter");
        Path base = tmp.resolve("base.safetensors");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LoraModel original = vitWithTrainedLookingAdapter(manager, 1);
            NDList x = image(manager, 2);
            float[] expected = LoraTestSupport.predict(original.getBlock(), manager, x);
            original.saveAdapter("task0", dir);
            LoraStateDict.saveBase(original.getBlock(), base);

            // The files: PEFT's key names (no adapter name) and shapes, and its config fields.
            List<String> paths = original.modulePaths("task0");
            assertEquals(4, paths.size());
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(PeftAdapterIO.WEIGHTS_FILE))) {
                Set<String> keys = new TreeSet<>();
                for (String p : paths) {
                    keys.add("base_model.model." + p + ".lora_A.weight");
                    keys.add("base_model.model." + p + ".lora_B.weight");
                }
                assertEquals(keys, new TreeSet<>(f.names()));
                assertArrayEquals(new long[] {4, 32},
                        f.info("base_model.model.vit.encoder.layer.1.attention.attention.value.lora_A.weight").shape());
                assertArrayEquals(new long[] {32, 4},
                        f.info("base_model.model.vit.encoder.layer.1.attention.attention.value.lora_B.weight").shape());
                assertArrayEquals(original.loraB("task0").get(paths.get(3)).getArray().toFloatArray(),
                        f.readFloats(PeftAdapterIO.keyB(paths.get(3))));
            }
            JsonNode cfg = new ObjectMapper().readTree(dir.resolve(PeftAdapterIO.CONFIG_FILE).toFile());
            assertEquals("LORA", cfg.get("peft_type").asText());
            assertEquals(4, cfg.get("r").asInt());
            assertEquals(8, cfg.get("lora_alpha").asInt());
            assertEquals("none", cfg.get("bias").asText());
            assertFalse(cfg.get("fan_in_fan_out").asBoolean());
            assertEquals(List.of("query", "value"),
                    List.of(cfg.get("target_modules").get(0).asText(), cfg.get("target_modules").get(1).asText()));
            assertTrue(cfg.get("modules_to_save").isNull());
            try (Stream<Path> s = Files.list(tmp)) {
                assertEquals(Set.of("vit-adapter", "base.safetensors"),
                        new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()), "no temporary files left");
            }

            // A fresh model with other random weights: base weights by name, then the adapter from its files.
            ViTForImageClassification fresh = new ViTForImageClassification(VIT);
            fresh.initialize(manager, DataType.FLOAT32, fresh.inputShape());
            assertNotEquals(expected[0], LoraTestSupport.predict(fresh, manager, x)[0]);
            LoraStateDict.loadBase(fresh, base);
            LoraModel loaded = new LoraModel(fresh);
            assertEquals(paths, loaded.loadAdapter(dir, "task0"));
            assertArrayEquals(expected, LoraTestSupport.predict(fresh, manager, x));

            // Loading into an existing adapter replaces only its values.
            for (Parameter a : loaded.loraA("task0").values()) {
                a.getArray().set(new float[(int) a.getArray().size()]);
            }
            assertNotEquals(expected[0], LoraTestSupport.predict(fresh, manager, x)[0]);
            Set<Parameter> before = identitySet(LoraStateDict.parameters(fresh).values());
            assertEquals(paths, loaded.loadAdapter(dir, "task0"));
            assertEquals(before, identitySet(LoraStateDict.parameters(fresh).values()));
            assertArrayEquals(expected, LoraTestSupport.predict(fresh, manager, x));

            // The same file under another name: a second adapter with the same values doubles the LoRA term.
            loaded.loadAdapter(dir, "copy");
            assertEquals(List.of("task0", "copy"), loaded.activeAdapters());
            loaded.setActiveAdapters("copy");
            assertArrayEquals(expected, LoraTestSupport.predict(fresh, manager, x));
        }
    }

    @Test
    void savingOverAnExistingDirectoryReplacesBothFiles() throws IOException {
        Path dir = tmp.resolve("adapter");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LoraModel model = savedAdapter(manager, 3, dir);
            Parameter b0 = model.loraB("task0").values().iterator().next();
            b0.getArray().set(LoraTestSupport.randomFloats(new Random(4), (int) b0.getArray().size()));
            // An adapter injected without LoraModel: the config is derived from its layers.
            LoraInjector.inject(model.getBlock(), "side", LoraConfig.builder().rank(2).alpha(3)
                    .targetModules("vit.encoder.layer.1.attention.attention.key").build());
            model.saveAdapter("task0", dir);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(PeftAdapterIO.WEIGHTS_FILE))) {
                assertArrayEquals(b0.getArray().toFloatArray(),
                        f.readFloats(PeftAdapterIO.keyB(model.modulePaths("task0").get(0))));
            }
            Path side = tmp.resolve("side");
            PeftAdapterIO.save(model, "side", side, "IMAGE_CLASSIFICATION", "google/vit-tiny");
            PeftAdapterConfig cfg = PeftAdapterIO.readConfig(side);
            assertEquals(List.of("vit.encoder.layer.1.attention.attention.key"),
                    new ArrayList<>(cfg.lora().targetModules()));
            assertEquals(2, cfg.lora().rank());
            assertEquals(3.0, cfg.lora().alpha());
            assertEquals("IMAGE_CLASSIFICATION", cfg.taskType());
            assertEquals("google/vit-tiny", cfg.baseModelNameOrPath());
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(Set.of(PeftAdapterIO.CONFIG_FILE, PeftAdapterIO.WEIGHTS_FILE),
                        new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()));
            }
        }
    }

    @Test
    void savingOverAPeftDirectoryKeepsItsOtherFilesAndSubAdapters() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // What PEFT's save_pretrained also writes: a model card, and non-default adapters in sub-directories.
            Path dir = tmp.resolve("peft");
            LoraModel model = savedAdapter(manager, 6, dir);
            Files.writeString(dir.resolve("README.md"), "model card");
            model.saveAdapter("task0", dir.resolve("second"));
            Parameter b0 = model.loraB("task0").values().iterator().next();
            b0.getArray().set(LoraTestSupport.randomFloats(new Random(7), (int) b0.getArray().size()));
            model.saveAdapter("task0", dir);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(PeftAdapterIO.WEIGHTS_FILE))) {
                assertArrayEquals(b0.getArray().toFloatArray(),
                        f.readFloats(PeftAdapterIO.keyB(model.modulePaths("task0").get(0))));
            }
            assertEquals("model card", Files.readString(dir.resolve("README.md")));
            assertEquals(Set.of(PeftAdapterIO.CONFIG_FILE, PeftAdapterIO.WEIGHTS_FILE),
                    Set.copyOf(listing(dir.resolve("second"))));
            assertEquals(Set.of(PeftAdapterIO.CONFIG_FILE, PeftAdapterIO.WEIGHTS_FILE, "README.md", "second"),
                    Set.copyOf(listing(dir)));
            assertEquals(List.of("peft"), listing(tmp), "no temporary directory is left beside it");
        }
    }

    /** A ViT with the trained-looking adapter "task0", saved to {@code dir}. */
    private static LoraModel savedAdapter(NDManager manager, long seed, Path dir) throws IOException {
        LoraModel model = vitWithTrainedLookingAdapter(manager, seed);
        model.saveAdapter("task0", dir);
        return model;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writtenDirectoriesAndRewrittenFilesGetTheUmaskPermissionsAndNoTemporaryFileStays() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Set<PosixFilePermission> dirReference = Files.getPosixFilePermissions(
                Files.createDirectory(tmp.resolve("reference-dir")));
        Set<PosixFilePermission> fileReference = Files.getPosixFilePermissions(
                Files.createFile(tmp.resolve("reference-file")));
        Path dir = tmp.resolve("adapter");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LoraModel model = savedAdapter(manager, 5, dir);
            assertEquals(dirReference, Files.getPosixFilePermissions(dir), "new adapter directory");
            for (String f : List.of(PeftAdapterIO.CONFIG_FILE, PeftAdapterIO.WEIGHTS_FILE)) {
                assertEquals(fileReference, Files.getPosixFilePermissions(dir.resolve(f)), "new " + f);
            }
            // What writes killed midway leave: temporary files next to the two files.
            Files.writeString(dir.resolve("." + PeftAdapterIO.WEIGHTS_FILE + ".1f2e.tmp"), "half");
            Files.writeString(dir.resolve("." + PeftAdapterIO.CONFIG_FILE + ".3c4d.tmp"), "half");
            model.saveAdapter("task0", dir);
            for (String f : List.of(PeftAdapterIO.CONFIG_FILE, PeftAdapterIO.WEIGHTS_FILE)) {
                assertEquals(fileReference, Files.getPosixFilePermissions(dir.resolve(f)), "rewritten " + f);
            }
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(Set.of("adapter", "reference-dir", "reference-file"),
                    new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(Set.of(PeftAdapterIO.CONFIG_FILE, PeftAdapterIO.WEIGHTS_FILE),
                    new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
    }

    /** What must not change when a load fails. */
    private record State(Set<String> names, Map<String, float[]> values, float[] output, List<String> adapters) {
    }

    private static State state(NamedBlocks.Named root, LoraModel model, NDManager manager) {
        Map<String, float[]> values = new LinkedHashMap<>();
        LoraStateDict.parameters(root).forEach((k, p) -> values.put(k, p.getArray().toFloatArray()));
        float[] out = LoraTestSupport.predict(root, manager,
                new NDList(manager.create(new float[] {1, 2, 3}, new Shape(1, 3))));
        return new State(new TreeSet<>(values.keySet()), values, out, model.adapterNames());
    }

    private static void assertSameState(State a, State b) {
        assertEquals(a.names(), b.names());
        assertEquals(a.adapters(), b.adapters());
        assertArrayEquals(a.output(), b.output());
        for (String k : a.names()) {
            assertArrayEquals(a.values().get(k), b.values().get(k), k);
        }
    }

    /** Runs a failing load on a model without an adapter and on one whose "default" already exists. */
    private void assertRejected(Path dir, Class<? extends Exception> type, String... fragments) throws IOException {
        for (boolean existing : new boolean[] {false, true}) {
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                NamedBlocks.Named root = tinyModel(manager);
                LoraModel model = new LoraModel(root);
                if (existing) {
                    model.loadAdapter(writeHandAdapter(), "default");
                }
                State before = state(root, model, manager);
                Exception e = assertThrows(type, () -> model.loadAdapter(dir, "default"));
                for (String f : fragments) {
                    assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
                }
                assertSameState(before, state(root, model, manager));
            }
        }
    }

    @Test
    void missingKeyIsReportedWithKeyAndFile() throws IOException {
        Path dir = writeHandAdapter(s -> s, Map.of(), Set.of("base_model.model.encoder.proj.lora_B.weight"),
                Map.of());
        assertRejected(dir, IllegalArgumentException.class, "missing keys",
                "base_model.model.encoder.proj.lora_B.weight", dir.resolve(PeftAdapterIO.WEIGHTS_FILE).toString());
    }

    @Test
    void unexpectedKeyIsReportedWithTheClosestModuleNames() throws IOException {
        Path dir = writeHandAdapter(s -> s, Map.of("base_model.model.encoder.prj.lora_A.weight", new float[6]),
                Set.of(), Map.of());
        assertRejected(dir, IllegalArgumentException.class, "unexpected keys",
                "base_model.model.encoder.prj.lora_A.weight", "closest modules: [encoder.proj]");
        Path named = writeHandAdapter(s -> s,
                Map.of("base_model.model.encoder.proj.lora_A.default.weight", new float[6]), Set.of(), Map.of());
        assertRejected(named, IllegalArgumentException.class, "without the adapter name");
    }

    @Test
    void shapeMismatchIsReported() throws IOException {
        Path dir = writeHandAdapter(s -> s, Map.of("base_model.model.encoder.proj.lora_A.weight", new float[9]),
                Set.of(), Map.of("base_model.model.encoder.proj.lora_A.weight", new long[] {3, 3}));
        assertRejected(dir, IllegalArgumentException.class, "shape mismatches",
                "'base_model.model.encoder.proj.lora_A.weight': model [2, 3], file [3, 3]");
    }

    @Test
    void nanValueIsReportedWithKeyAndFile() throws IOException {
        Path dir = writeHandAdapter(s -> s,
                Map.of("base_model.model.encoder.proj.lora_B.weight", new float[] {1, Float.NaN, 0, 2}), Set.of(),
                Map.of());
        assertRejected(dir, IllegalArgumentException.class, "base_model.model.encoder.proj.lora_B.weight", "NaN",
                "element 1", dir.resolve(PeftAdapterIO.WEIGHTS_FILE).toString());
    }

    @Test
    void truncatedOrCorruptedWeightsFileIsReported() throws IOException {
        Path dir = writeHandAdapter();
        Path weights = dir.resolve(PeftAdapterIO.WEIGHTS_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        assertRejected(dir, SafetensorsFormatException.class, weights.toString());
        bytes[9] = '#'; // inside the JSON header
        Files.write(weights, bytes);
        assertRejected(dir, SafetensorsFormatException.class, weights.toString());
    }

    @Test
    void missingFilesAreReported() throws IOException {
        Path dir = writeHandAdapter();
        Files.delete(dir.resolve(PeftAdapterIO.CONFIG_FILE));
        assertRejected(dir, NoSuchFileException.class, PeftAdapterIO.CONFIG_FILE);
        Path noWeights = writeHandAdapter();
        Files.delete(noWeights.resolve(PeftAdapterIO.WEIGHTS_FILE));
        assertRejected(noWeights, NoSuchFileException.class, PeftAdapterIO.WEIGHTS_FILE);
    }

    @Test
    void unsupportedConfigurationsAreRejectedByField() throws IOException {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": true");
        cases.put("\"use_dora\": false", "\"use_dora\": true");
        cases.put("\"bias\": \"none\"", "\"bias\": \"lora_only\"");
        cases.put("\"modules_to_save\": null", "\"modules_to_save\": [\"classifier\"]");
        cases.put("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"");
        cases.put("\"init_lora_weights\": true", "\"init_lora_weights\": \"pissa\"");
        cases.put("\"rank_pattern\": {}", "\"rank_pattern\": {\"^proj$\": 4}");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path dir = writeHandAdapter(s -> s.replace(c.getKey(), c.getValue()), Map.of(), Set.of(), Map.of());
            String field = c.getKey().substring(1, c.getKey().indexOf('"', 1));
            assertRejected(dir, IllegalArgumentException.class, "\"" + field + "\"",
                    dir.resolve(PeftAdapterIO.CONFIG_FILE).toString());
        }
        Path broken = writeHandAdapter(s -> s.substring(0, 40), Map.of(), Set.of(), Map.of());
        assertRejected(broken, IllegalArgumentException.class, "not valid JSON");
    }

    @Test
    void existingAdapterWithAnotherScalingIsNotOverwritten() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = tinyModel(manager);
            LoraModel model = new LoraModel(root);
            model.addAdapter("default", LoraConfig.builder().rank(2).alpha(8).targetModules("proj").build());
            State before = state(root, model, manager);
            Path dir = writeHandAdapter();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.loadAdapter(dir, "default"));
            assertTrue(e.getMessage().contains("encoder.proj: model 4.0, file 2.0"), e.getMessage());
            assertSameState(before, state(root, model, manager));
        }
    }

    private static Set<Parameter> identitySet(java.util.Collection<Parameter> params) {
        Set<Parameter> s = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        s.addAll(params);
        return s;
    }
}
