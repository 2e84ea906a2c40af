package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import io.github.treelora.djl.models.vit.ViTModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The family registry: what is registered, and configs whose architecture and model type disagree. */
class ModelFamiliesTest {

    @Test
    void theServiceFileRegistersEveryFamilyWithItsDefaultTargets() throws IOException {
        List<String> names = ModelFamilies.all().stream().map(ModelFamily::name).toList();
        assertEquals(List.of("ViT", "BERT", "LLaMA-architecture decoder"), names);
        ModelFamily decoder = ModelFamilies.forConfig(
                new ObjectMapper().readTree("{\"architectures\": [\"GemmaForCausalLM\"]}"), Path.of("c.json"));
        assertEquals(List.of("q_proj", "v_proj"), decoder.defaultLoraTargets());
        ModelFamily vit = ModelFamilies.forConfig(new ObjectMapper().readTree("{\"model_type\": \"vit\"}"),
                Path.of("c.json"));
        assertEquals(List.of("query", "value"), vit.defaultLoraTargets());
    }

    @Test
    void codeThatKnowsItsModelClassFindsTheFamilyAndItsTargets() {
        assertEquals(List.of("query", "value"), ModelFamilies.of(ViTModel.class).defaultLoraTargets());
        assertEquals("ViT", ModelFamilies.of(ViTForImageClassification.class).name());
        assertEquals(List.of("query", "value"), ModelFamilies.of(BertModel.class).defaultLoraTargets());
        assertEquals(List.of("q_proj", "v_proj"), ModelFamilies.of(LlamaForCausalLM.class).defaultLoraTargets());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFamilies.of(ai.djl.nn.SequentialBlock.class));
        assertTrue(e.getMessage().contains("no registered model family builds ai.djl.nn.SequentialBlock"),
                e.getMessage());
    }

    @Test
    void anUnknownArchitectureIsRefusedNamingTheFileAndWhatIsSupported() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFamilies.forConfig(
                new ObjectMapper().readTree("{\"architectures\": [\"GPT2LMHeadModel\"]}"), Path.of("x/config.json")));
        assertTrue(e.getMessage().startsWith("x/config.json: unsupported architecture 'GPT2LMHeadModel'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Qwen2ForCausalLM"), e.getMessage());
    }

    @Test
    void aConfigWhoseModelTypeNamesAnotherFamilyIsRefused(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mixed"));
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "gemma", "vocab_size": 8, "hidden_size": 8,
                 "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2}
                """);
        Path vit = Files.createDirectories(tmp.resolve("vit"));
        Files.writeString(vit.resolve("config.json"), """
                {"architectures": ["ViTModel"], "model_type": "bert", "image_size": 8, "patch_size": 4,
                 "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8}
                """);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HfCheckpoint.load(dir, manager));
            assertTrue(e.getMessage().contains("architecture LlamaForCausalLM does not match model_type 'gemma'"),
                    e.getMessage());
            IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                    () -> HfCheckpoint.load(vit, manager));
            assertTrue(v.getMessage().contains("model_type is 'bert'") && v.getMessage().contains("config.json"),
                    v.getMessage());
        }
    }
}
