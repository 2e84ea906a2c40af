package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Parsing of Hugging Face config.json files and the rotary frequencies derived from them. */
class LlamaConfigTest {

    @Test
    void parsesLlamaWithLlama3RopeAndGqa() {
        LlamaConfig c = LlamaConfig.fromFile(FixtureFiles.dir("llama-gqa-llama3rope").resolve("config.json"));
        assertEquals("llama", c.modelType());
        assertEquals(96, c.vocabSize());
        assertEquals(48, c.hiddenSize());
        assertEquals(80, c.intermediateSize());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(4, c.numAttentionHeads());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(2, c.kvGroups());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new LlamaConfig.RopeScaling(8.0, 1.0, 4.0, 64), c.ropeScaling());
        assertFalse(c.tieWordEmbeddings());
        assertFalse(c.qkvBias());
        assertFalse(c.oProjBias());
    }

    @Test
    void parsesQwen2WithBiasesAndTiedEmbeddings() {
        LlamaConfig c = LlamaConfig.fromFile(FixtureFiles.dir("qwen2-bias-tied").resolve("config.json"));
        assertEquals("qwen2", c.modelType());
        assertEquals(8, c.headDim()); // hidden_size / heads when head_dim is absent
        assertTrue(c.qkvBias());
        assertFalse(c.oProjBias());
        assertTrue(c.tieWordEmbeddings());
        assertNull(c.ropeScaling());
        assertNull(c.slidingWindow()); // use_sliding_window is false
    }

    @Test
    void llamaAttentionBiasCoversOutputProjectionAndMistralDefaults() {
        String llama = "{\"model_type\":\"llama\",\"vocab_size\":10,\"hidden_size\":8,\"intermediate_size\":16,"
                + "\"num_hidden_layers\":1,\"num_attention_heads\":2,\"attention_bias\":true}";
        LlamaConfig c = LlamaConfig.fromJson(llama);
        assertTrue(c.qkvBias());
        assertTrue(c.oProjBias());
        assertEquals(2, c.numKeyValueHeads()); // defaults to the number of query heads
        assertEquals(10000.0, c.ropeTheta());
        String mistral = "{\"model_type\":\"mistral\",\"vocab_size\":10,\"hidden_size\":8,\"intermediate_size\":16,"
                + "\"num_hidden_layers\":1,\"num_attention_heads\":2,\"num_key_value_heads\":1,"
                + "\"sliding_window\":4096,\"rope_theta\":1000000.0}";
        LlamaConfig m = LlamaConfig.fromJson(mistral);
        assertFalse(m.qkvBias());
        assertEquals(4096, m.slidingWindow());
    }

    @Test
    void unsupportedSettingsAreClearErrors() {
        String base = "{\"model_type\":\"llama\",\"vocab_size\":10,\"hidden_size\":8,\"intermediate_size\":16,"
                + "\"num_hidden_layers\":1,\"num_attention_heads\":2";
        IllegalArgumentException yarn = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.fromJson(
                base + ",\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4.0}}"));
        assertTrue(yarn.getMessage().contains("yarn"), yarn.getMessage());
        IllegalArgumentException linear = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.fromJson(
                base + ",\"rope_scaling\":{\"type\":\"linear\",\"factor\":2.0}}"));
        assertTrue(linear.getMessage().contains("linear"), linear.getMessage());
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.fromJson(
                base + ",\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0}}"));
        assertTrue(partial.getMessage().contains("low_freq_factor"), partial.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> LlamaConfig.fromJson(base.replace("llama", "gpt2") + "}"));
        assertTrue(type.getMessage().contains("gpt2"), type.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LlamaConfig.fromJson(base.replace("\"vocab_size\":10,", "") + "}"));
        assertTrue(missing.getMessage().contains("vocab_size"), missing.getMessage());
        IllegalArgumentException gqa = assertThrows(IllegalArgumentException.class,
                () -> LlamaConfig.fromJson(base + ",\"num_key_value_heads\":3}"));
        assertTrue(gqa.getMessage().contains("num_key_value_heads"), gqa.getMessage());
    }

    @Test
    void llama3FrequenciesFollowTheThreeBands() {
        // head_dim 4, theta 10000: inv = {1, 0.01}; wavelengths 2*pi = 6.28 and 628.3.
        // original 100, low 1, high 4: low-frequency cut 100, high-frequency cut 25.
        // 6.28 < 25 keeps 1; 628 > 100 divides 0.01 by factor 8.
        LlamaConfig c = new LlamaConfig("llama", 10, 8, 16, 1, 2, 2, 4, 1e-6, 10000.0,
                new LlamaConfig.RopeScaling(8.0, 1.0, 4.0, 100), 128, false, false, false, false, null);
        assertArrayEquals(new float[] {1f, 0.01f / 8}, new RotaryEmbedding(c).inverseFrequencies(), 1e-9f);
        // original 2000: cuts 2000 and 500; 628 is in the middle band: smooth = (2000/628.3 - 1) / 3.
        LlamaConfig mid = new LlamaConfig("llama", 10, 8, 16, 1, 2, 2, 4, 1e-6, 10000.0,
                new LlamaConfig.RopeScaling(8.0, 1.0, 4.0, 2000), 128, false, false, false, false, null);
        double smooth = (2000 / (2 * Math.PI / 0.01) - 1) / 3;
        float want = (float) ((1 - smooth) * 0.01 / 8 + smooth * 0.01);
        assertEquals(want, new RotaryEmbedding(mid).inverseFrequencies()[1], 1e-9f);
    }
}
