package io.github.treelora.djl.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Target matching, layer selection, patterns and validation of {@link LoraConfig} (PEFT semantics). */
class LoraConfigTest {

    @Test
    void nameTargetsMatchWholePathOrDottedSuffix() {
        LoraConfig c = LoraConfig.builder().targetModules("query", "attention.value").build();
        assertTrue(c.isTargeted("encoder.layer.0.attention.attention.query"));
        assertTrue(c.isTargeted("query"));
        assertTrue(c.isTargeted("encoder.layer.1.attention.value"));
        assertFalse(c.isTargeted("encoder.layer.0.attention.attention.myquery"), "suffix must start at a dot");
        assertFalse(c.isTargeted("encoder.layer.0.attention.output.value"));
        assertFalse(c.isTargeted("encoder.layer.0.query.dense"));
    }

    @Test
    void regexTargetMustMatchTheWholePath() {
        LoraConfig c = LoraConfig.builder().targetRegex(".*\\.layers\\.[01]\\.self_attn\\.(q|v)_proj").build();
        assertTrue(c.isTargeted("model.layers.0.self_attn.q_proj"));
        assertTrue(c.isTargeted("model.layers.1.self_attn.v_proj"));
        assertFalse(c.isTargeted("model.layers.2.self_attn.q_proj"));
        assertFalse(c.isTargeted("model.layers.0.self_attn.q_proj.extra"), "full match, not find");
        assertEquals(List.of(), c.targetsMatching("model.layers.0.self_attn.k_proj"));
    }

    @Test
    void layersToTransformReadsTheIntegerAfterALayerSegment() {
        LoraConfig c = LoraConfig.builder().targetModules("query").layersToTransform(1, 3).build();
        assertEquals(OptionalInt.of(3), c.layerIndex("encoder.layer.3.attention.attention.query"));
        assertEquals(OptionalInt.of(12), c.layerIndex("model.layers.12.self_attn.q_proj"));
        assertEquals(OptionalInt.of(5), c.layerIndex("transformer.h.5.attn.c_attn"));
        assertEquals(OptionalInt.empty(), c.layerIndex("blocks.5.attn.query"));
        assertTrue(c.isTargeted("encoder.layer.1.attention.attention.query"));
        assertFalse(c.isTargeted("encoder.layer.2.attention.attention.query"));
        assertFalse(c.isTargeted("pooler.query"), "no layer segment: not selected when layers are restricted");

        LoraConfig blocks = c.toBuilder().layersPattern("blocks").build();
        assertTrue(blocks.isTargeted("blocks.3.attn.query"));
    }

    @Test
    void rankAndAlphaPatternsOverrideByMostSpecificSuffix() {
        LoraConfig c = LoraConfig.builder().rank(8).alpha(16).targetModules("query", "value")
                .rankPattern(Map.of("value", 4, "layer.0.attention.value", 2))
                .alphaPattern(Map.of("query", 32.0)).build();
        assertEquals(8, c.rankFor("encoder.layer.1.attention.query"));
        assertEquals(4, c.rankFor("encoder.layer.1.attention.value"));
        assertEquals(2, c.rankFor("encoder.layer.0.attention.value"));
        assertEquals(32.0, c.alphaFor("encoder.layer.0.attention.query"));
        assertEquals(16.0, c.alphaFor("encoder.layer.0.attention.value"));
        assertEquals(32.0 / 8, c.scalingFor("encoder.layer.1.attention.query"));
        assertEquals(16.0 / 2, c.scalingFor("encoder.layer.0.attention.value"));
        LoraConfig rs = c.toBuilder().useRsLora(true).build();
        assertEquals(16.0 / Math.sqrt(4), rs.scalingFor("encoder.layer.1.attention.value"), 1e-15);
    }

    @Test
    void invalidValuesAreRejectedWithTheFieldName() {
        assertMessage("rank", () -> LoraConfig.builder().rank(0).targetModules("q").build());
        assertMessage("alpha", () -> LoraConfig.builder().alpha(0).targetModules("q").build());
        assertMessage("alpha", () -> LoraConfig.builder().alpha(Double.NaN).targetModules("q").build());
        assertMessage("dropout", () -> LoraConfig.builder().dropout(1).targetModules("q").build());
        assertMessage("dropout", () -> LoraConfig.builder().dropout(-0.1).targetModules("q").build());
        assertMessage("targets are empty", () -> LoraConfig.builder().build());
        assertMessage("blank", () -> LoraConfig.builder().targetModules("q", " ").build());
        assertMessage("regular expression", () -> LoraConfig.builder().targetRegex("(").build());
        assertMessage("layersToTransform", () -> LoraConfig.builder().targetModules("q").layersToTransform(-1)
                .build());
        assertMessage("rankPattern[v]", () -> LoraConfig.builder().targetModules("q").rankPattern(Map.of("v", 0))
                .build());
    }

    @Test
    void configIsImmutableAndComparable() {
        LoraConfig.Builder b = LoraConfig.builder().targetModules("q").layersToTransform(1);
        LoraConfig c = b.build();
        b.targetModules("k").layersToTransform(2);
        assertEquals(List.of("q"), List.copyOf(c.targetModules()));
        assertEquals(List.of(1), List.copyOf(c.layersToTransform()));
        assertThrows(UnsupportedOperationException.class, () -> c.targetModules().add("x"));
        assertEquals(c, c.toBuilder().build());
        assertEquals(c.hashCode(), c.toBuilder().build().hashCode());
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message lacks '" + fragment + "': " + e.getMessage());
    }
}
