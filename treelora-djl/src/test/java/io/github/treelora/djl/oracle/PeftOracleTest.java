package io.github.treelora.djl.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.lora.PeftAdapterIO;
import io.github.treelora.djl.models.InMemoryTensorSource;
import io.github.treelora.djl.models.SafetensorsTensorSource;
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
 * Adapter files against Hugging Face PEFT itself, both ways, by logits (src/test/python/oracle/peft_adapters.py):
 * adapters that PEFT created and saved (several ranks and alphas, rsLoRA, rank and alpha patterns, a regex target,
 * {@code layers_to_transform}, two adapters in one directory) give PEFT's logits once loaded here; an adapter set and
 * saved here gives the same logits in {@code PeftModel.from_pretrained}; and the configuration written here uses
 * only fields that PEFT 0.13's {@code LoraConfig} knows, so every PEFT from 0.13 on can read it.
 */
class PeftOracleTest {

    static final float TOL = 2e-4f;

    /**
     * The fields of PEFT 0.13's {@code LoraConfig}, its {@code PeftConfig} base included (the oldest PEFT this
     * project writes for; the wheel mirror serves only 0.21, so the set is written down here). A field outside this
     * set makes 0.13 fail with "unexpected keyword argument" ({@code exclude_modules} and {@code lora_bias} were
     * added in 0.14).
     */
    static final Set<String> PEFT_0_13_FIELDS = Set.of("peft_type", "auto_mapping", "base_model_name_or_path",
            "revision", "task_type", "inference_mode", "r", "target_modules", "lora_alpha", "lora_dropout",
            "fan_in_fan_out", "bias", "use_rslora", "modules_to_save", "init_lora_weights", "layers_to_transform",
            "layers_pattern", "rank_pattern", "alpha_pattern", "megatron_config", "megatron_core", "loftq_config",
            "use_dora", "layer_replication", "runtime_config");

    static Path generated() {
        return PythonOracle.generated("peft_adapters.py", "make");
    }

    static InMemoryTensorSource read(Path file) {
        try (SafetensorsTensorSource s = SafetensorsTensorSource.openFile(file)) {
            return InMemoryTensorSource.copyOf(s).build();
        }
    }

    static float[] javaLogits(LlamaForCausalLM lm, NDManager manager, JsonNode inputs) {
        long[][] ids = TransformersModelsOracleTest.matrix(inputs.get("input_ids"));
        long[][] mask = TransformersModelsOracleTest.matrix(inputs.get("attention_mask"));
        try (NDManager step = manager.newSubManager()) {
            Shape s = new Shape(ids.length, ids[0].length);
            NDArray logits = lm.logits(new ParameterStore(step, false),
                    step.create(TransformersModelsOracleTest.flat(ids), s),
                    step.create(TransformersModelsOracleTest.flat(mask), s), null, false);
            return logits.toFloatArray();
        }
    }

    /** Max |a - b| over the positions the mask keeps. */
    static double maxDiff(float[] a, float[] b, JsonNode inputs) {
        return TransformersModelsOracleTest.maxUnpaddedDiff(a, b,
                TransformersModelsOracleTest.matrix(inputs.get("attention_mask")));
    }

    static JsonNode inputs() throws IOException {
        return new ObjectMapper().readTree(generated().resolve("inputs.json").toFile());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "rslora-patterns", "regex", "layer1"})
    void adaptersSavedByPeftGivePeftsLogits(String name) throws IOException {
        Path dir = generated().resolve(name);
        JsonNode inputs = inputs();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(generated().resolve("base"), manager);
            float[] base = javaLogits(lm, manager, inputs);
            LoraModel model = new LoraModel(lm);
            List<String> paths = model.loadAdapter(dir, "default");
            assertTrue(!paths.isEmpty(), "adapted modules");
            float[] want = read(dir.resolve("oracle.safetensors")).floats("logits");
            float[] got = javaLogits(lm, manager, inputs);
            assertTrue(maxDiff(base, want, inputs) > 100 * TOL, name + ": the adapter must change the logits");
            double diff = maxDiff(got, want, inputs);
            assertTrue(diff < TOL, name + ": max |logit difference| to PEFT " + diff);
        }
    }

    @Test
    void twoAdaptersFromOnePeftDirectoryEachGivePeftsLogits() throws IOException {
        JsonNode inputs = inputs();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(generated().resolve("base"), manager);
            LoraModel model = new LoraModel(lm);
            for (String name : List.of("first", "second")) {
                model.loadAdapter(generated().resolve("multi").resolve(name), name);
            }
            for (String name : List.of("first", "second")) {
                model.setActiveAdapters(name);
                float[] want = read(generated().resolve("multi").resolve(name).resolve("oracle.safetensors"))
                        .floats("logits");
                double diff = maxDiff(javaLogits(lm, manager, inputs), want, inputs);
                assertTrue(diff < TOL, name + ": max |logit difference| to PEFT " + diff);
            }
        }
    }

    @Test
    void anAdapterSavedHereGivesTheSameLogitsInPeft(@TempDir Path tmp) throws IOException {
        JsonNode inputs = inputs();
        Path adapterDir = tmp.resolve("java-adapter");
        float[] javaLogits;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM lm = LlamaForCausalLM.fromPretrained(generated().resolve("base"), manager);
            LoraModel model = new LoraModel(lm);
            model.addAdapter("default", LoraConfig.builder().rank(4).alpha(16).useRsLora(true)
                    .targetModules("q_proj", "v_proj", "o_proj", "down_proj")
                    .rankPattern(Map.of("down_proj", 2)).alphaPattern(Map.of("o_proj", 3.0)).build());
            // Training would move A and B; set both to seeded values so B is non-zero and the adapter matters.
            SplittableRandom random = new SplittableRandom(7);
            for (Map<String, Parameter> params : List.of(model.loraA("default"), model.loraB("default"))) {
                for (Parameter p : params.values()) {
                    NDArray a = p.getArray();
                    float[] v = new float[(int) a.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (random.nextDouble() - 0.5) * 0.4f;
                    }
                    a.set(v);
                }
            }
            javaLogits = javaLogits(lm, manager, inputs);
            PeftAdapterIO.save(model, "default", adapterDir);
        }
        Path out = tmp.resolve("peft-logits.safetensors");
        PythonOracle.run("peft_adapters.py", "check", generated().resolve("base").toString(), adapterDir.toString(),
                generated().resolve("inputs.json").toString(), out.toString());
        JsonNode seen = new ObjectMapper().readTree(tmp.resolve("peft-logits.safetensors.json").toFile());
        assertEquals(4, seen.get("r").asInt());
        assertTrue(seen.get("use_rslora").asBoolean(), "PEFT read use_rslora");
        assertEquals(2, seen.get("rank_pattern").get("down_proj").asInt());
        double diff = maxDiff(javaLogits, read(out).floats("logits"), inputs);
        assertTrue(diff < TOL, "max |logit difference| between this library and PEFT " + seen.get("peft") + ": "
                + diff);

        JsonNode written = new ObjectMapper().readTree(adapterDir.resolve(PeftAdapterIO.CONFIG_FILE).toFile());
        Set<String> unknownTo013 = new HashSet<>();
        for (Iterator<String> it = written.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!PEFT_0_13_FIELDS.contains(field)) {
                unknownTo013.add(field);
            }
        }
        assertEquals(Set.of(), unknownTo013, "fields PEFT 0.13's LoraConfig would refuse");
    }
}
