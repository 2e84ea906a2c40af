package io.github.treelora.djl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.cl.InfLora;
import io.github.treelora.djl.cl.OLora;
import io.github.treelora.djl.cl.SeqLora;
import io.github.treelora.djl.cl.TreeLoraStrategy;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DoRA variant without Python (the comparison with PEFT itself is PeftDoraOracleTest): a hand-computed forward,
 * merge and unmerge, a new adapter's magnitude, parameter bookkeeping, PEFT files and their errors, and which
 * strategies take it.
 */
class DoraTest {

    private static final String MAGNITUDE_KEY = "base_model.model.encoder.proj.lora_magnitude_vector";
    private static final float[] X = {1, 2, 3};

    @TempDir
    Path tmp;

    /**
     * The hand-written adapter of PeftAdapterIOTest (W = [[1,0,0],[0,1,0]], b = [0.5,-0.5], A = [[1,1,0],[0,0,1]],
     * B = [[1,0],[0,2]], s = 4 / 2) as DoRA with magnitude m = [2, 3].
     */
    private Path doraFile(UnaryOperator<String> editConfig, Map<String, float[]> tensors, Map<String, long[]> shapes)
            throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("dora-" + System.nanoTime()));
        Files.writeString(dir.resolve(PeftAdapterIO.CONFIG_FILE), editConfig.apply(
                PeftAdapterIOTest.HAND_WRITTEN_CONFIG.replace("\"use_dora\": false", "\"use_dora\": true")));
        Map<String, float[]> values = new LinkedHashMap<>();
        values.put("base_model.model.encoder.proj.lora_A.weight", new float[] {1, 1, 0, 0, 0, 1});
        values.put("base_model.model.encoder.proj.lora_B.weight", new float[] {1, 0, 0, 2});
        values.put(MAGNITUDE_KEY, new float[] {2, 3});
        values.putAll(tensors);
        SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
        values.forEach((k, v) -> {
            if (v != null) {
                long[] shape = k.equals(MAGNITUDE_KEY) ? new long[] {v.length} : new long[] {2, v.length / 2};
                w.putFloats(k, shapes.getOrDefault(k, shape), v);
            }
        });
        w.write(dir.resolve(PeftAdapterIO.WEIGHTS_FILE));
        return dir;
    }

    private static float[] run(NamedBlocks.Named root, NDManager manager) {
        return LoraTestSupport.predict(root, manager, new NDList(manager.create(X, new Shape(1, 3))));
    }

    @Test
    void handWrittenDoraAdapterGivesTheHandComputedOutputMergedAndUnmerged() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = PeftAdapterIOTest.tinyModel(manager);
            LoraModel model = new LoraModel(root);
            model.loadAdapter(doraFile(s -> s, Map.of(), Map.of()), "default");
            LoraLinear layer = model.layersOf("default").get("encoder.proj");
            assertEquals(Dora.INSTANCE, layer.getSpec("default").variant());
            // W + s B A = [[3,2,0],[0,1,4]], row norms sqrt(13), sqrt(17); k = m / norms.
            // W x = [1, 2], B A x = [3, 6]: y = k * (W x + s B A x) + b = k * [7, 14] + b.
            float[] want = {(float) (2 / Math.sqrt(13) * 7 + 0.5), (float) (3 / Math.sqrt(17) * 14 - 0.5)};
            assertArrayEquals(want, run(root, manager), 1e-5f);

            float[] weight = layer.getBaseWeight().getArray().toFloatArray();
            model.merge();
            assertArrayEquals(want, run(root, manager), 1e-5f);
            assertFalse(java.util.Arrays.equals(weight, layer.getBaseWeight().getArray().toFloatArray()),
                    "merging changes the base weight");
            model.unmerge();
            assertArrayEquals(weight, layer.getBaseWeight().getArray().toFloatArray(), 1e-6f);
            assertArrayEquals(want, run(root, manager), 1e-5f);
        }
    }

    @Test
    void withDropoutWhileTrainingTheBaseTermUsesTheDroppedInputAsPeftDoes() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = PeftAdapterIOTest.tinyModel(manager);
            LoraModel model = new LoraModel(root);
            model.loadAdapter(doraFile(s -> s.replace("\"lora_dropout\": 0.0", "\"lora_dropout\": 0.5"), Map.of(),
                    Map.of()), "default");
            float[] y;
            float[] h;
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(X, new Shape(1, 3));
                Engine.getInstance().setRandomSeed(5);
                y = root.forward(new ParameterStore(step, false), new NDList(x), true).singletonOrThrow()
                        .toFloatArray();
                Engine.getInstance().setRandomSeed(5);
                h = Dropout.dropout(x, 0.5f, true).singletonOrThrow().toFloatArray(); // the same draw
            }
            assertFalse(java.util.Arrays.equals(h, X), "dropout dropped something");
            // y = W x + b + (k - 1) * W h + k * s * B A h, with W = [[1,0,0],[0,1,0]], s = 2, B A h = [h0+h1, 2 h2].
            double k0 = 2 / Math.sqrt(13);
            double k1 = 3 / Math.sqrt(17);
            float[] want = {(float) (1 + 0.5 + (k0 - 1) * h[0] + k0 * 2 * (h[0] + h[1])),
                (float) (2 - 0.5 + (k1 - 1) * h[1] + k1 * 2 * 2 * h[2])};
            assertArrayEquals(want, y, 1e-5f);
        }
    }

    @Test
    void aNewDoraAdapterKeepsTheOutputAndOwnsATrainableMagnitude() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = PeftAdapterIOTest.tinyModel(manager);
            float[] base = run(root, manager);
            LoraModel model = new LoraModel(root);
            model.addAdapter("d", LoraConfig.builder().rank(2).alpha(4).useDora(true).targetModules("proj").build());
            assertArrayEquals(base, run(root, manager), 1e-6f);
            LoraLinear layer = model.layersOf("d").get("encoder.proj");
            Parameter magnitude = layer.getAdapter("d").tensor(LoraTensorNames.MAGNITUDE);
            assertArrayEquals(new float[] {1, 1}, magnitude.getArray().toFloatArray(), 1e-6f); // rows of W, B = 0
            assertEquals(new Shape(2), magnitude.getArray().getShape());

            assertTrue(LoraStateDict.parameters(root).containsKey("encoder.proj.lora_magnitude_vector.d.weight"));
            assertEquals(3, model.trainableParameters().size());
            assertTrue(model.trainableParameters().contains(magnitude));
            model.freezeAdapter("d");
            assertFalse(magnitude.requiresGradient());
            assertEquals(List.of(), model.trainableParameters());
            model.unfreezeAdapter("d");
            assertTrue(magnitude.requiresGradient());
            // Only adapter tensors stay trainable when another adapter is injected.
            model.addAdapter("e", LoraConfig.builder().rank(1).targetModules("proj").build());
            assertTrue(magnitude.requiresGradient());
            model.deleteAdapter("d");
            assertFalse(root.getParameters().keys().stream().anyMatch(k -> k.contains(LoraTensorNames.MAGNITUDE)));
        }
    }

    @Test
    void aDoraAdapterSavedHereLoadsBackWithItsMagnitude() throws IOException {
        Path dir = tmp.resolve("saved");
        float[] out;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = PeftAdapterIOTest.tinyModel(manager);
            LoraModel model = new LoraModel(root);
            model.loadAdapter(doraFile(s -> s, Map.of(), Map.of()), "default");
            out = run(root, manager);
            model.saveAdapter("default", dir);
        }
        assertTrue(Files.readString(dir.resolve(PeftAdapterIO.CONFIG_FILE)).contains("\"use_dora\": true"));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(PeftAdapterIO.WEIGHTS_FILE))) {
            assertEquals(List.of("base_model.model.encoder.proj.lora_A.weight",
                    "base_model.model.encoder.proj.lora_B.weight", MAGNITUDE_KEY),
                    f.names().stream().sorted().toList());
            assertArrayEquals(new float[] {2, 3}, f.readFloats(MAGNITUDE_KEY));
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = PeftAdapterIOTest.tinyModel(manager);
            new LoraModel(root).loadAdapter(dir, "x");
            assertArrayEquals(out, run(root, manager));
        }
    }

    @Test
    void badDoraFilesAreRejectedByFileAndKeyAndLeaveTheModelUnchanged() throws IOException {
        Map<String, float[]> noMagnitude = new LinkedHashMap<>();
        noMagnitude.put(MAGNITUDE_KEY, null);
        assertRejected(doraFile(s -> s, noMagnitude, Map.of()), "\"use_dora\": true", MAGNITUDE_KEY,
                PeftAdapterIO.CONFIG_FILE, "missing keys");
        assertRejected(doraFile(s -> s, Map.of(MAGNITUDE_KEY, new float[] {1, 2, 3}), Map.of()), "shape mismatches",
                "'" + MAGNITUDE_KEY + "': model [2], file [3]");
        assertRejected(doraFile(s -> s, Map.of(MAGNITUDE_KEY, new float[] {1, Float.POSITIVE_INFINITY}), Map.of()),
                MAGNITUDE_KEY, "Infinity", "element 1", PeftAdapterIO.WEIGHTS_FILE);
        assertRejected(doraFile(s -> s.replace("\"use_dora\": true", "\"use_dora\": false"), Map.of(), Map.of()),
                "\"use_dora\": false"); // new: the magnitude is an unexpected key; existing: the variant differs
    }

    private void assertRejected(Path dir, String... fragments) throws IOException {
        for (boolean existing : new boolean[] {false, true}) {
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                NamedBlocks.Named root = PeftAdapterIOTest.tinyModel(manager);
                LoraModel model = new LoraModel(root);
                if (existing) {
                    model.loadAdapter(doraFile(s -> s, Map.of(), Map.of()), "default");
                }
                Map<String, float[]> before = values(root);
                float[] out = run(root, manager);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> model.loadAdapter(dir, "default"));
                for (String f : fragments) {
                    assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
                }
                Map<String, float[]> after = values(root);
                assertEquals(before.keySet(), after.keySet());
                before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
                assertArrayEquals(out, run(root, manager));
            }
        }
    }

    private static Map<String, float[]> values(NamedBlocks.Named root) {
        Map<String, float[]> m = new TreeMap<>();
        LoraStateDict.parameters(root).forEach((k, p) -> m.put(k, p.getArray().toFloatArray()));
        return m;
    }

    @Test
    void anExistingAdapterOfTheOtherVariantIsNotOverwritten() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NamedBlocks.Named root = PeftAdapterIOTest.tinyModel(manager);
            LoraModel model = new LoraModel(root);
            model.addAdapter("default", LoraConfig.builder().rank(2).alpha(4).targetModules("proj").build());
            Path dir = doraFile(s -> s, Map.of(), Map.of());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.loadAdapter(dir, "default"));
            assertTrue(e.getMessage().contains("\"use_dora\": true") && e.getMessage().contains("model LoRA, file DoRA")
                    && e.getMessage().contains(dir.resolve(PeftAdapterIO.CONFIG_FILE).toString()), e.getMessage());
            assertEquals(PlainLora.INSTANCE,
                    model.layersOf("default").get("encoder.proj").getSpec("default").variant());
        }
    }

    @Test
    void specAndConfigKeepTheVariant() {
        LoraConfig c = LoraConfig.builder().rank(4).alpha(8).useRsLora(true).useDora(true).targetModules("q").build();
        AdapterSpec spec = c.specFor("a.q");
        assertEquals(new AdapterSpec(4, 8, 0, LoraInit.KAIMING_UNIFORM, true, Dora.INSTANCE), spec);
        assertEquals(8 / 2.0, spec.scaling());
        assertTrue(c.toBuilder().build().useDora());
        assertFalse(c.equals(c.toBuilder().useDora(false).build()));
        assertTrue(c.toString().contains("DoRA"));
        assertEquals(Dora.INSTANCE, LoraVariant.byId("dora").orElseThrow());
        assertEquals(PlainLora.INSTANCE, LoraVariant.byId("lora").orElseThrow());
        assertTrue(PeftAdapterConfig.fromJson(PeftAdapterConfig.of(c).toJson(), "x").lora().useDora());
        assertEquals("base_model.model.m.lora_magnitude_vector", LoraTensorNames.peftKey("m", LoraTensorNames.MAGNITUDE));
        assertEquals("base_model.model.m.lora_B.weight", LoraTensorNames.peftKey("m", LoraTensorNames.B));
        assertEquals("m.lora_A.t0", LoraTensorNames.checkpointKey("m", LoraTensorNames.A, "t0"));
        assertEquals("lora_magnitude_vector.t0.weight",
                LoraTensorNames.stateDictKey(LoraTensorNames.MAGNITUDE, "t0"));
    }

    @Test
    void strategiesThatConstrainATakePlainLoraOnly() {
        LoraConfig dora = LoraConfig.builder().useDora(true).targetModules("proj").build();
        for (Runnable make : List.<Runnable>of(() -> new OLora(dora), () -> new InfLora(dora))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
            assertTrue(e.getMessage().contains("plain LoRA adapters only, not DoRA"), e.getMessage());
        }
        new SeqLora(dora);
        new TreeLoraStrategy(dora, TreeLoraConfig.of(io.github.treelora.Preset.PAPER));
        new OLora(dora.toBuilder().useDora(false).build());
    }
}
