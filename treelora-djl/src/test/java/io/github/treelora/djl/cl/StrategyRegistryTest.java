package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one table of built-in strategies: ids, what they create, and the error for an unknown id. */
class StrategyRegistryTest {

    private static final StrategyOptions OPTIONS = StrategyOptions.builder(Synthetic.lora(2)).seed(5).build();

    @Test
    void everyEntryCreatesAStrategyWithItsIdAndTheExpectedDisplayName() {
        Map<String, String> display = Map.of("seqlora", "SeqLoRA", "olora", "O-LoRA", "inflora", "InfLoRA",
                "treelora", "TreeLoRA-PAPER", "treelora-reference", "TreeLoRA-REFERENCE",
                "treelora-reference-lambda0", "TreeLoRA-REFERENCE-lambda0",
                "treelora-reference-random", "TreeLoRA-REFERENCE-random-selection");
        assertEquals(List.of("seqlora", "olora", "inflora", "treelora", "treelora-reference",
                "treelora-reference-lambda0", "treelora-reference-random"), StrategyRegistry.ids());
        assertEquals(StrategyRegistry.ids().size(), new HashSet<>(StrategyRegistry.ids()).size(), "ids are unique");
        for (String id : StrategyRegistry.ids()) {
            try (ContinualStrategy s = StrategyRegistry.create(id, OPTIONS)) {
                assertEquals(id, s.id());
                assertEquals(display.get(id), s.name(), id);
            }
        }
    }

    @Test
    void idsAreMatchedIgnoringCaseAndBlanks() {
        assertEquals("olora", StrategyRegistry.create(" OLoRA ", OPTIONS).id());
        assertEquals("treelora-reference", StrategyRegistry.get("TreeLoRA-Reference").id());
    }

    @Test
    void optionsReachTheStrategies() {
        StrategyOptions o = StrategyOptions.builder(Synthetic.lora(2)).seed(9).treeLoraLambda(0.3).treeLoraDepth(2)
                .infLora(0.8, 3).build();
        Map<String, Object> inf = StrategyRegistry.create("inflora", o).settings();
        assertEquals(0.8, inf.get("energyThreshold"));
        assertEquals(3, inf.get("representationBatches"));
        String tree = String.valueOf(StrategyRegistry.create("treelora-reference", o).settings().get("treelora"));
        assertTrue(tree.contains("maxDepth=2") && tree.contains("seed=9") && tree.contains("0.3"), tree);
        // Lambda 0 on a TreeLoRA entry is the ablation, and its id says so.
        StrategyOptions zero = StrategyOptions.builder(Synthetic.lora(2)).treeLoraLambda(0).build();
        assertEquals("treelora-reference-lambda0", StrategyRegistry.create("treelora-reference", zero).id());
    }

    @Test
    void anUnknownIdNamesTheClosestKnownOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StrategyRegistry.create("o-lora", OPTIONS));
        assertTrue(e.getMessage().contains("unknown strategy 'o-lora'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'olora'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StrategyRegistry.get("treelora-refrence"));
        assertTrue(e.getMessage().contains("did you mean 'treelora-reference'"), e.getMessage());
        assertTrue(StrategyRegistry.find("ewc").isEmpty());
    }

    @Test
    void badOptionsAreRefusedByName() {
        for (Runnable bad : List.<Runnable>of(
                () -> StrategyOptions.builder(Synthetic.lora(2)).treeLoraLambda(-1).build(),
                () -> StrategyOptions.builder(Synthetic.lora(2)).treeLoraDepth(-1).build(),
                () -> StrategyOptions.builder(Synthetic.lora(2)).infLora(0, 4).build(),
                () -> StrategyOptions.builder(Synthetic.lora(2)).infLora(0.9, 0).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::run);
            assertTrue(e.getMessage().matches("(treeLoraLambda|treeLoraDepth|infLoraThreshold|infLoraBatches) .*"),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new StrategyRegistry.Entry("O-LoRA", "x",
                o -> new OLora(o.lora())));
    }
}
