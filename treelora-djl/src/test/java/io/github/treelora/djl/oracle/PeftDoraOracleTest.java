package io.github.treelora.djl.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.lora.LoraAdapter;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.lora.LoraTensorNames;
import io.github.treelora.djl.lora.PeftAdapterIO;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DoRA adapters against Hugging Face PEFT itself (src/test/python/oracle/peft_dora.py), on the tiny Qwen2 of
 * {@link PeftOracleTest}: adapters PEFT created with {@code use_dora=True} (non-zero B, magnitudes moved away from
 * the weight norms) give PEFT's logits here, unmerged and merged, and PEFT's gradients of A, B and the magnitude
 * (also with the decoder layers recomputed during backward, {@code LlamaModel.backward}); a
 * plain LoRA and a DoRA adapter active together give PEFT's logits; a DoRA adapter set and saved here gives the same
 * logits in {@code PeftModel.from_pretrained}.
 */
class PeftDoraOracleTest {

    static final float TOL = PeftOracleTest.TOL;

    static Path generated() {
        return PythonOracle.generated("peft_dora.py", "make");
    }

    static JsonNode inputs() throws IOException {
        return new ObjectMapper().readTree(generated().resolve("inputs.json").toFile());
    }

    static LlamaForCausalLM base(NDManager manager) throws IOException {
        return LlamaForCausalLM.fromPretrained(generated().resolve("base"), manager);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dora", "dora-rslora"})
    void doraAdaptersSavedByPeftGivePeftsLogitsUnmergedAndMerged(String name) throws IOException {
        Path dir = generated().resolve(name);
        JsonNode inputs = inputs();
        InMemoryTensorSource oracle = PeftOracleTest.read(dir.resolve("oracle.safetensors"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = base(manager);
            float[] base = PeftOracleTest.javaLogits(lm, manager, inputs);
            LoraModel model = new LoraModel(lm);
            List<String> paths = model.loadAdapter(dir, "default");
            assertTrue(model.getConfig("default").orElseThrow().useDora(), "use_dora read");
            for (LoraLinear layer : model.layersOf("default").values()) {
                assertTrue(layer.getSpec("default").useDora(), "every layer is DoRA");
            }
            float[] want = oracle.floats("logits");
            assertTrue(PeftOracleTest.maxDiff(base, want, inputs) > 100 * TOL, name + ": the adapter must matter");
            double diff = PeftOracleTest.maxDiff(PeftOracleTest.javaLogits(lm, manager, inputs), want, inputs);
            assertTrue(diff < TOL, name + ": max |logit difference| to PEFT " + diff);

            model.merge();
            double merged = PeftOracleTest.maxDiff(PeftOracleTest.javaLogits(lm, manager, inputs),
                    oracle.floats("merged_logits"), inputs);
            assertTrue(merged < TOL, name + ": merged, max |logit difference| to PEFT's merged model " + merged);
            model.unmerge();
            double unmerged = PeftOracleTest.maxDiff(PeftOracleTest.javaLogits(lm, manager, inputs), want, inputs);
            assertTrue(unmerged < TOL, name + ": after unmerge, max |logit difference| to PEFT " + unmerged);
            System.out.printf("PEFT DoRA %s (%d modules): max |logit diff| %.3g, merged %.3g, unmerged %.3g%n",
                    name, paths.size(), diff, merged, unmerged);
        }
    }

    @ParameterizedTest(name = "recomputeLayers={0}")
    @ValueSource(booleans = {false, true})
    void gradientsOfABAndMagnitudeAreThoseOfPeft(boolean recomputeLayers) throws IOException {
        Path dir = generated().resolve("dora");
        JsonNode inputs = inputs();
        InMemoryTensorSource oracle = PeftOracleTest.read(dir.resolve("oracle.safetensors"));
        long[][] ids = TransformersModelsOracleTest.matrix(inputs.get("input_ids"));
        long[][] mask = TransformersModelsOracleTest.matrix(inputs.get("attention_mask"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = base(manager);
            LoraModel model = new LoraModel(lm);
            model.loadAdapter(dir, "default");
            try (NDManager step = manager.newSubManager()) {
                Shape s = new Shape(ids.length, ids[0].length);
                NDArray maskArray = step.create(TransformersModelsOracleTest.flat(mask), s);
                ParameterStore ps = new ParameterStore(step, false);
                Block head = lm.namedModules().get("lm_head");
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    // The sum of the unpadded logits, PEFT's objective; with recomputeLayers the decoder layers are
                    // recomputed one at a time during backward.
                    lm.model().backward(ps, gc, step.create(TransformersModelsOracleTest.flat(ids), s), maskArray,
                            h -> head.forward(ps, new NDList(h), true).singletonOrThrow()
                                    .mul(maskArray.toType(DataType.FLOAT32, false).expandDims(-1)).sum(),
                            recomputeLayers);
                }
            }
            int checked = 0;
            double worst = 0;
            for (Map.Entry<String, LoraLinear> e : model.layersOf("default").entrySet()) {
                LoraAdapter adapter = e.getValue().getAdapter("default");
                for (Map.Entry<String, Parameter> t : adapter.tensors().entrySet()) {
                    String key = LoraTensorNames.peftKey(e.getKey(), t.getKey());
                    float[] want = oracle.floats("grad." + key);
                    float[] got = t.getValue().getArray().getGradient().toFloatArray();
                    double scale = 0;
                    double err = 0;
                    for (int i = 0; i < want.length; i++) {
                        scale = Math.max(scale, Math.abs(want[i]));
                        err = Math.max(err, Math.abs(want[i] - got[i]));
                    }
                    assertTrue(scale > 1e-3, key + ": PEFT's gradient is trivially small");
                    assertTrue(err / scale < 1e-4, key + ": max |gradient difference| " + err + " at scale " + scale);
                    worst = Math.max(worst, err / scale);
                    checked++;
                }
            }
            assertEquals(18, checked, "A, B and magnitude of 6 modules");
            System.out.printf("PEFT DoRA gradients (recomputeLayers %s): %d tensors, max relative difference %.3g%n",
                    recomputeLayers, checked, worst);
        }
    }

    @Test
    void plainAndDoraAdaptersActiveTogetherGivePeftsLogits() throws IOException {
        JsonNode inputs = inputs();
        Path dir = generated().resolve("mixed");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = base(manager);
            LoraModel model = new LoraModel(lm);
            model.loadAdapter(dir.resolve("first"), "first");
            model.loadAdapter(dir.resolve("second"), "second");
            model.setActiveAdapters("first", "second");
            float[] want = PeftOracleTest.read(dir.resolve("oracle.safetensors")).floats("logits");
            double diff = PeftOracleTest.maxDiff(PeftOracleTest.javaLogits(lm, manager, inputs), want, inputs);
            assertTrue(diff < TOL, "LoRA then DoRA: max |logit difference| to PEFT " + diff);
            model.setActiveAdapters("second", "first");
            double reversed = PeftOracleTest.maxDiff(PeftOracleTest.javaLogits(lm, manager, inputs), want, inputs);
            assertTrue(reversed > 100 * TOL, "the order matters: DoRA rescales what earlier adapters added");
        }
    }

    @Test
    void aDoraAdapterSavedHereGivesTheSameLogitsInPeft(@TempDir Path tmp) throws IOException {
        JsonNode inputs = inputs();
        Path adapterDir = tmp.resolve("java-dora");
        float[] javaLogits;
        float[] baseLogits;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = base(manager);
            baseLogits = PeftOracleTest.javaLogits(lm, manager, inputs);
            LoraModel model = new LoraModel(lm);
            model.addAdapter("default", LoraConfig.builder().rank(4).alpha(16).useRsLora(true).useDora(true)
                    .targetModules("q_proj", "v_proj", "o_proj", "down_proj")
                    .rankPattern(Map.of("down_proj", 2)).build());
            // Training would move A, B and the magnitude: set seeded values, the magnitude away from the row norms.
            SplittableRandom random = new SplittableRandom(11);
            for (LoraLinear layer : model.layersOf("default").values()) {
                for (Map.Entry<String, Parameter> t : layer.getAdapter("default").tensors().entrySet()) {
                    NDArray a = t.getValue().getArray();
                    float[] v = a.toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        v[i] = t.getKey().equals(LoraTensorNames.MAGNITUDE)
                                ? v[i] * (float) (0.6 + 0.8 * random.nextDouble())
                                : (float) (random.nextDouble() - 0.5) * 0.4f;
                    }
                    a.set(v);
                }
            }
            javaLogits = PeftOracleTest.javaLogits(lm, manager, inputs);
            PeftAdapterIO.save(model, "default", adapterDir);
        }
        assertTrue(PeftOracleTest.maxDiff(baseLogits, javaLogits, inputs) > 100 * TOL, "the adapter must matter");
        Path out = tmp.resolve("peft-logits.safetensors");
        PythonOracle.run("peft_adapters.py", "check", generated().resolve("base").toString(), adapterDir.toString(),
                generated().resolve("inputs.json").toString(), out.toString());
        JsonNode seen = new ObjectMapper().readTree(tmp.resolve("peft-logits.safetensors.json").toFile());
        assertTrue(seen.get("use_dora").asBoolean(), "PEFT read use_dora");
        assertTrue(seen.get("use_rslora").asBoolean(), "PEFT read use_rslora");
        double diff = PeftOracleTest.maxDiff(javaLogits, PeftOracleTest.read(out).floats("logits"), inputs);
        assertTrue(diff < TOL, "max |logit difference| between this library and PEFT " + seen.get("peft") + ": "
                + diff);
        System.out.printf("Java DoRA adapter in PEFT %s: max |logit diff| %.3g%n", seen.get("peft"), diff);

        JsonNode written = new ObjectMapper().readTree(adapterDir.resolve(PeftAdapterIO.CONFIG_FILE).toFile());
        Set<String> unknownTo013 = new HashSet<>();
        for (Iterator<String> it = written.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!PeftOracleTest.PEFT_0_13_FIELDS.contains(field)) {
                unknownTo013.add(field);
            }
        }
        assertEquals(Set.of(), unknownTo013, "fields PEFT 0.13's LoraConfig would refuse");
    }
}
