package io.github.treelora.djl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State-dict names see through LoRA wrappers; base weights save and load by name. */
class LoraStateDictTest {

    @TempDir
    Path tmp;

    private static ViTForImageClassification vit(NDManager manager) {
        ViTForImageClassification vit = new ViTForImageClassification(PeftAdapterIOTest.VIT);
        vit.initialize(manager, DataType.FLOAT32, vit.inputShape());
        return vit;
    }

    @Test
    void baseWeightsKeepTheirHuggingFaceNamesAfterInjection() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification vit = vit(manager);
            Map<String, Parameter> hf = StateDict.parameters(vit);
            // Without LoRA layers the names are StateDict's, parameter for parameter.
            Map<String, Parameter> same = LoraStateDict.parameters(vit);
            assertEquals(new ArrayList<>(hf.keySet()), new ArrayList<>(same.keySet()));
            hf.forEach((k, p) -> assertSame(p, same.get(k), k));

            LoraModel model = new LoraModel(vit);
            model.addAdapter("task0", LoraConfig.builder().rank(4).targetModules("query", "value").build());
            Map<String, Parameter> base = LoraStateDict.baseParameters(vit);
            assertEquals(new ArrayList<>(hf.keySet()), new ArrayList<>(base.keySet()));
            hf.forEach((k, p) -> assertSame(p, base.get(k), k));

            Map<String, Parameter> all = LoraStateDict.parameters(vit);
            String q = "vit.encoder.layer.0.attention.attention.query";
            // PEFT's in-memory names for adapters, right after the wrapped layer's own weight and bias.
            List<String> keys = new ArrayList<>(all.keySet());
            int at = keys.indexOf(q + ".weight");
            assertEquals(List.of(q + ".weight", q + ".bias", q + ".lora_A.task0.weight", q + ".lora_B.task0.weight"),
                    keys.subList(at, at + 4));
            assertSame(model.loraA("task0").get(q), all.get(q + ".lora_A.task0.weight"));
            assertEquals(hf.size() + 2 * 4, all.size());
            // Nothing is hidden or reported twice: the same parameters as DJL's own list.
            assertEquals(vit.getParameters().size(), all.size());
        }
    }

    @Test
    void baseWeightsRoundTripByNameOnAnInjectedViT() throws IOException {
        Path file = tmp.resolve("model.safetensors");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LoraModel a = PeftAdapterIOTest.vitWithTrainedLookingAdapter(manager, 5);
            LoraModel b = PeftAdapterIOTest.vitWithTrainedLookingAdapter(manager, 6);
            NDList x = PeftAdapterIOTest.image(manager, 7);
            a.setAdaptersEnabled(false);
            b.setAdaptersEnabled(false);
            float[] expected = LoraTestSupport.predict(a.getBlock(), manager, x);
            assertNotEquals(expected[0], LoraTestSupport.predict(b.getBlock(), manager, x)[0]);
            Map<String, float[]> adaptersOfB = values(LoraStateDict.parameters(b.getBlock()), true);

            LoraStateDict.saveBase(a.getBlock(), file);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                // The file holds the un-injected model's Hugging Face names only.
                ViTForImageClassification plain = vit(manager);
                assertEquals(new ArrayList<>(StateDict.parameters(plain).keySet()).stream().sorted().toList(),
                        f.names().stream().sorted().toList());
            }
            LoraStateDict.loadBase(b.getBlock(), file);
            assertArrayEquals(expected, LoraTestSupport.predict(b.getBlock(), manager, x));
            // Adapter values are untouched.
            Map<String, float[]> after = values(LoraStateDict.parameters(b.getBlock()), true);
            adaptersOfB.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));

            // The same file loads into a model without LoRA (plain Hugging Face names).
            ViTForImageClassification plain = vit(manager);
            LoraStateDict.loadBase(plain, file);
            assertArrayEquals(expected, LoraTestSupport.predict(plain, manager, x));
        }
    }

    @Test
    void badBaseFilesLeaveTheModelUnchanged() throws IOException {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LoraModel model = PeftAdapterIOTest.vitWithTrainedLookingAdapter(manager, 8);
            Path good = tmp.resolve("good.safetensors");
            LoraStateDict.saveBase(model.getBlock(), good);
            Map<String, float[]> original = values(LoraStateDict.parameters(model.getBlock()), false);

            Map<String, Parameter> base = LoraStateDict.baseParameters(model.getBlock());
            SafetensorsWriter missing = new SafetensorsWriter();
            SafetensorsWriter wrongShape = new SafetensorsWriter();
            String dropped = "vit.encoder.layer.1.attention.attention.query.weight";
            for (Map.Entry<String, Parameter> e : base.entrySet()) {
                float[] v = new float[(int) e.getValue().getArray().size()];
                long[] shape = e.getValue().getArray().getShape().getShape();
                if (!e.getKey().equals(dropped)) {
                    missing.putFloats(e.getKey(), shape, v);
                }
                wrongShape.putFloats(e.getKey(), e.getKey().equals("classifier.bias") ? new long[] {1, 3} : shape, v);
            }
            missing.putFloats(dropped.replace("query", "qeury"), new long[] {32, 32}, new float[32 * 32]);
            Path m = tmp.resolve("missing.safetensors");
            missing.write(m);
            Path w = tmp.resolve("shape.safetensors");
            wrongShape.write(w);

            IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
                    () -> LoraStateDict.loadBase(model.getBlock(), m));
            assertTrue(e1.getMessage().contains("missing keys") && e1.getMessage().contains(dropped)
                    && e1.getMessage().contains("unexpected keys") && e1.getMessage().contains(m.toString()),
                    e1.getMessage());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> LoraStateDict.loadBase(model.getBlock(), w));
            assertTrue(e2.getMessage().contains("'classifier.bias': model [3], file [1, 3]"), e2.getMessage());
            Map<String, float[]> now = values(LoraStateDict.parameters(model.getBlock()), false);
            assertEquals(original.keySet(), now.keySet());
            original.forEach((k, v) -> assertArrayEquals(v, now.get(k), k));

            model.merge();
            assertThrows(IllegalStateException.class, () -> LoraStateDict.saveBase(model.getBlock(), good));
            assertThrows(IllegalStateException.class, () -> LoraStateDict.loadBase(model.getBlock(), good));
        }
    }

    /** Parameter values by name; only adapter parameters when {@code adaptersOnly}. */
    private static Map<String, float[]> values(Map<String, Parameter> params, boolean adaptersOnly) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, p) -> {
            if (!adaptersOnly || k.contains(".lora_")) {
                out.put(k, p.getArray().toFloatArray());
            }
        });
        return out;
    }
}
