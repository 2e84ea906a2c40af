package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.TestArrays;
import io.github.treelora.djl.models.ModuleContainer;
import io.github.treelora.djl.models.bert.BertConfig;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hugging Face module paths exist, and a module swapped through ModuleContainer is the one forward uses. */
class ModulePathsTest {

    static final ViTConfig VIT = ViTConfig.of(16, 4, 32, 2, 4, 64, 3);
    static final BertConfig BERT = new BertConfig(50, 32, 2, 4, 64, 16, 2, 1e-12f, 0.1f, 0.1f);

    /** Every module path reachable through ModuleContainer, in forward order. */
    static Map<String, Block> paths(Block root) {
        Map<String, Block> out = new LinkedHashMap<>();
        walk("", root, out);
        return out;
    }

    private static void walk(String prefix, Block block, Map<String, Block> out) {
        if (block instanceof ModuleContainer c) {
            for (Map.Entry<String, Block> e : c.namedModules().entrySet()) {
                out.put(prefix + e.getKey(), e.getValue());
                walk(prefix + e.getKey() + ".", e.getValue(), out);
            }
        }
    }

    static Block at(Block root, String path) {
        Block b = paths(root).get(path);
        assertTrue(b != null, "no module " + path);
        return b;
    }

    @Test
    void vitHasHuggingFaceModulePathsAndParameterNames() {
        ViTForImageClassification model = new ViTForImageClassification(VIT);
        Map<String, Block> p = paths(model);
        List<String> expectedLinears = new ArrayList<>(List.of("classifier"));
        for (int i = 0; i < 2; i++) {
            String l = "vit.encoder.layer." + i + ".";
            assertInstanceOf(HfLayerNorm.class, p.get(l + "layernorm_before"));
            assertInstanceOf(HfLayerNorm.class, p.get(l + "layernorm_after"));
            for (String s : List.of("attention.attention.query", "attention.attention.key",
                    "attention.attention.value", "attention.output.dense", "intermediate.dense", "output.dense")) {
                expectedLinears.add(l + s);
            }
        }
        for (String linear : expectedLinears) {
            assertInstanceOf(Linear.class, p.get(linear), linear);
        }
        assertEquals(expectedLinears.size(), p.values().stream().filter(b -> b instanceof Linear).count());
        assertTrue(p.containsKey("vit.embeddings.patch_embeddings.projection"));
        assertInstanceOf(HfLayerNorm.class, p.get("vit.layernorm"));
        // The first keys in forward order.
        assertEquals(List.of("vit", "vit.embeddings", "vit.embeddings.patch_embeddings",
                "vit.embeddings.patch_embeddings.projection", "vit.encoder"), new ArrayList<>(p.keySet()).subList(0, 5));

        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            Map<String, ai.djl.nn.Parameter> params = StateDict.parameters(model);
            assertTrue(params.containsKey("vit.embeddings.cls_token"));
            assertTrue(params.containsKey("vit.embeddings.position_embeddings"));
            assertTrue(params.containsKey("vit.embeddings.patch_embeddings.projection.weight"));
            assertArrayEquals(new long[] {32, 3, 4, 4},
                    params.get("vit.embeddings.patch_embeddings.projection.weight").getArray().getShape().getShape());
            assertArrayEquals(new long[] {1, 17, 32},
                    params.get("vit.embeddings.position_embeddings").getArray().getShape().getShape());
            assertArrayEquals(new long[] {64, 32},
                    params.get("vit.encoder.layer.1.intermediate.dense.weight").getArray().getShape().getShape());
            assertTrue(params.containsKey("vit.encoder.layer.0.layernorm_before.weight"));
            assertTrue(params.containsKey("classifier.bias"));
            // 5 embedding tensors + 16 per layer + final norm 2 + head 2
            assertEquals(4 + 16 * 2 + 2 + 2, params.size());
            // StateDict's names cover exactly DJL's own parameter list (nothing hidden, nothing extra).
            assertEquals(model.getParameters().size(), params.size());
        }
    }

    @Test
    void vitBase16HasTheReferenceParameterCount() {
        // google/vit-base-patch16-224 (= timm vit_base_patch16_224): 86,567,656 parameters with 1000 classes.
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification model = new ViTForImageClassification(ViTConfig.base16(224, 1000));
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            long count = 0;
            for (ai.djl.nn.Parameter p : StateDict.parameters(model).values()) {
                count += p.getArray().size();
            }
            assertEquals(86_567_656L, count);
            try (NDManager step = manager.newSubManager()) {
                NDArray logits = model.forward(new ParameterStore(step, false),
                        new NDList(step.randomNormal(new Shape(1, 3, 224, 224))), false).singletonOrThrow();
                assertEquals(new Shape(1, 1000), logits.getShape());
            }
        }
    }

    @Test
    void bertHasHuggingFaceModulePaths() {
        BertModel model = new BertModel(BERT);
        Map<String, Block> p = paths(model);
        for (String s : List.of("embeddings.word_embeddings", "embeddings.position_embeddings",
                "embeddings.token_type_embeddings", "embeddings.LayerNorm")) {
            assertTrue(p.containsKey(s), s);
        }
        for (int i = 0; i < 2; i++) {
            String l = "encoder.layer." + i + ".";
            for (String s : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "intermediate.dense", "output.dense")) {
                assertInstanceOf(Linear.class, p.get(l + s), l + s);
            }
            assertInstanceOf(HfLayerNorm.class, p.get(l + "attention.output.LayerNorm"));
            assertInstanceOf(HfLayerNorm.class, p.get(l + "output.LayerNorm"));
        }
    }

    @Test
    void replacingQueryWithSameWeightsKeepsOutputAndDifferentWeightsChangeIt() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification model = new ViTForImageClassification(VIT);
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            NDArray x = manager.randomNormal(new Shape(2, 3, 16, 16));
            float[] before = logits(model, manager, x);

            String parentPath = "vit.encoder.layer.1.attention.attention";
            ModuleContainer parent = (ModuleContainer) at(model, parentPath);
            Linear old = (Linear) parent.namedModules().get("query");
            Linear copy = Linear.builder().setUnits(32).build();
            copy.initialize(manager, DataType.FLOAT32, new Shape(1, 32));
            copy.getParameters().get("weight").getArray().set(old.getParameters().get("weight").getArray().toFloatArray());
            copy.getParameters().get("bias").getArray().set(old.getParameters().get("bias").getArray().toFloatArray());
            parent.replaceModule("query", copy);

            assertSame(copy, at(model, parentPath + ".query"));
            assertSame(copy.getParameters().get("weight"),
                    StateDict.parameters(model).get(parentPath + ".query.weight"));
            assertTrue(model.getParameters().values().contains(copy.getParameters().get("weight")),
                    "DJL's parameter list (used by trainers and freezing) must see the replacement");
            assertFalse(model.getParameters().values().contains(old.getParameters().get("weight")));
            assertArrayEquals(before, logits(model, manager, x), 0f);

            // A different query must change the output, proving forward looks the child up by name.
            copy.getParameters().get("weight").getArray().set(new float[32 * 32]);
            float[] changed = logits(model, manager, x);
            double diff = TestArrays.maxAbsDiff(before, changed);
            assertTrue(diff > 1e-4f, "output did not change after replacing query: " + diff);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parent.replaceModule("qurey", copy));
            assertTrue(e.getMessage().contains("qurey") && e.getMessage().contains("query"), e.getMessage());
        }
    }

    @Test
    void replacingBertQueryKeepsOutput() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            BertModel model = new BertModel(BERT);
            model.initialize(manager, DataType.FLOAT32, model.inputShapes(6));
            NDArray ids = manager.create(new long[] {1, 5, 7, 9, 2, 0, 1, 8, 3, 2, 0, 0}, new Shape(2, 6));
            NDArray mask = manager.create(new long[] {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0}, new Shape(2, 6));
            ParameterStore ps = new ParameterStore(manager, false);
            float[] before = model.forward(ps, new NDList(ids, mask), false).singletonOrThrow().toFloatArray();
            ModuleContainer self = (ModuleContainer) at(model, "encoder.layer.0.attention.self");
            Linear old = (Linear) self.namedModules().get("query");
            Linear copy = Linear.builder().setUnits(32).build();
            copy.initialize(manager, DataType.FLOAT32, new Shape(1, 32));
            StateDict.load(copy, TensorSource.of(StateDict.snapshot(old)));
            self.replaceModule("query", copy);
            float[] after = model.forward(ps, new NDList(ids, mask), false).singletonOrThrow().toFloatArray();
            assertArrayEquals(before, after, 0f);
        }
    }

    private static float[] logits(ViTForImageClassification model, NDManager manager, NDArray x) {
        try (NDManager step = manager.newSubManager()) {
            return model.forward(new ParameterStore(step, false), new NDList(x), false).singletonOrThrow()
                    .toFloatArray();
        }
    }
}
