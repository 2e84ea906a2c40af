package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Strict by-name loading: every bad source is rejected with the offending key named, model unchanged. */
class StateDictTest {

    private static final ViTConfig CONFIG = ViTConfig.of(16, 8, 16, 1, 2, 32, 2);

    @Test
    void rejectsMissingUnexpectedAndMismatchedKeysWithoutChangingTheModel() {
        String q = "vit.encoder.layer.0.attention.attention.query.weight";
        check(m -> m.remove(q), "missing", q);
        check(m -> m.put("vit.pooler.dense.weight", new HostTensor(new long[] {2}, new float[2])),
                "unexpected", "vit.pooler.dense.weight");
        check(m -> m.put(q, new HostTensor(new long[] {16, 15}, new float[16 * 15])), "shape", q);
        check(m -> m.put("classifier.bias", new HostTensor(new long[] {3}, new float[3])), "[2]", "classifier.bias");
    }

    @Test
    void loadsAllValuesInPlaceAndRejectsUninitializedModels() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification model = new ViTForImageClassification(CONFIG);
            assertThrows(IllegalStateException.class,
                    () -> StateDict.load(model, TensorSource.of(Map.of())));
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            Map<String, HostTensor> shifted = new LinkedHashMap<>();
            int k = 0;
            for (Map.Entry<String, HostTensor> e : StateDict.snapshot(model).entrySet()) {
                float[] v = new float[e.getValue().data().length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = k++ * 1e-3f;
                }
                shifted.put(e.getKey(), new HostTensor(e.getValue().shape(), v));
            }
            Map<String, ai.djl.nn.Parameter> before = StateDict.parameters(model);
            StateDict.load(model, TensorSource.of(shifted).renamed(n -> n));
            Map<String, HostTensor> after = StateDict.snapshot(model);
            for (String name : shifted.keySet()) {
                assertArrayEquals(shifted.get(name).data(), after.get(name).data(), 0f, name);
                assertTrue(before.get(name) == StateDict.parameters(model).get(name), "parameter identity kept");
            }
        }
    }

    @Test
    void renamedSourceRejectsCollisions() {
        TensorSource s = TensorSource.of(Map.of("a.x", new HostTensor(new long[] {1}, new float[1]),
                "b.x", new HostTensor(new long[] {1}, new float[1])));
        assertEquals(Set.of("x.a", "x.b"), s.renamed(n -> n.substring(2) + "." + n.charAt(0)).names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.renamed(n -> "x"));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void ignoredGlobsAndTiesRelaxOnlyWhatTheyName() {
        assertTrue(StateDict.globMatches("*.rotary_emb.inv_freq", "model.layers.0.self_attn.rotary_emb.inv_freq"));
        assertTrue(StateDict.globMatches("pooler.*", "pooler.dense.weight"));
        assertTrue(!StateDict.globMatches("pooler.*", "bert.pooler.dense.weight"));
        assertTrue(!StateDict.globMatches("a*b*c", "ab"));
        assertTrue(StateDict.globMatches("a*b*c", "a-b-c"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification model = new ViTForImageClassification(CONFIG);
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            Map<String, HostTensor> source = new LinkedHashMap<>(StateDict.snapshot(model));
            HostTensor bias = source.get("classifier.bias");
            source.put("pooler.dense.bias", new HostTensor(new long[] {1}, new float[] {1}));
            source.put("head_copy.bias", bias);
            StateDict.LoadOptions options = StateDict.LoadOptions.STRICT.ignoring("pooler.*")
                    .tying("head_copy.bias", "classifier.bias", "the test ties them");
            StateDict.load(model, TensorSource.of(source), options); // accepted: ignored + equal tie
            source.put("head_copy.bias", new HostTensor(bias.shape(), new float[bias.data().length]));
            source.put("classifier.bias", new HostTensor(bias.shape(), new float[] {1, 2}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StateDict.load(model, TensorSource.of(source), options));
            assertTrue(e.getMessage().contains("'head_copy.bias' differs from 'classifier.bias'")
                    && e.getMessage().contains("the test ties them"), e.getMessage());
            assertArrayEquals(bias.data(), StateDict.snapshot(model).get("classifier.bias").data(), 0f,
                    "a failed tie check leaves the model unchanged");
            e = assertThrows(IllegalArgumentException.class,
                    () -> StateDict.load(model, TensorSource.of(source), StateDict.LoadOptions.STRICT));
            assertTrue(e.getMessage().contains("pooler.dense.bias") && e.getMessage().contains("head_copy.bias"),
                    e.getMessage());
        }
    }

    private static void check(Consumer<Map<String, HostTensor>> corrupt, String what, String key) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification model = new ViTForImageClassification(CONFIG);
            model.initialize(manager, DataType.FLOAT32, model.inputShape());
            Map<String, HostTensor> original = StateDict.snapshot(model);
            Map<String, HostTensor> source = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : original.entrySet()) {
                float[] ones = new float[e.getValue().data().length];
                java.util.Arrays.fill(ones, 7f);
                source.put(e.getKey(), new HostTensor(e.getValue().shape(), ones));
            }
            corrupt.accept(source);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StateDict.load(model, TensorSource.of(source)));
            assertTrue(e.getMessage().contains(what) && e.getMessage().contains(key), e.getMessage());
            Map<String, HostTensor> after = StateDict.snapshot(model);
            for (String name : original.keySet()) {
                assertArrayEquals(original.get(name).data(), after.get(name).data(), 0f,
                        "model changed at " + name + " although loading failed");
            }
        }
    }
}
