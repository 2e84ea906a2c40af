package io.github.treelora.djl.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The input observer sees exactly the layer's input, in both modes, and does not change the output; several
 * observers share a layer and each handle removes only its own registration.
 */
class LoraInputObserverTest {

    /** A linear layer of {@code units} outputs, initialised for {@code input}, with one adapter {@code a}. */
    private static LoraLinear adapted(NDManager m, int units, Shape input, int rank, double alpha, double dropout) {
        Linear lin = Linear.builder().setUnits(units).build();
        lin.initialize(m, DataType.FLOAT32, input);
        LoraLinear lora = new LoraLinear(lin);
        lora.addAdapter("a", rank, alpha, dropout, LoraInit.KAIMING_UNIFORM, false);
        return lora;
    }

    @Test
    void observerSeesTheInputAndTheOutputIsUnchanged() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LoraLinear lora = adapted(m, 3, new Shape(2, 4), 2, 2.0, 0.5);
            float[] x = {1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0, 0, 1};
            ParameterStore ps = new ParameterStore(m, false);
            List<float[]> seen = new ArrayList<>();
            List<Boolean> modes = new ArrayList<>();
            try (NDManager step = m.newSubManager()) {
                NDList in = new NDList(step.create(x, new Shape(1, 3, 4)));
                float[] before = lora.forward(ps, in, false).singletonOrThrow().toFloatArray();
                LoraLinear.InputObserverHandle handle = lora.addInputObserver((layer, input, training) -> {
                    assertSame(lora, layer);
                    seen.add(input.toFloatArray());
                    modes.add(training);
                });
                float[] observed = lora.forward(ps, in, false).singletonOrThrow().toFloatArray();
                assertArrayEquals(before, observed, "observing does not change the output");
                lora.forward(ps, in, true);
                handle.close();
                lora.forward(ps, in, false);
            }
            assertEquals(2, seen.size(), "one call per forward while registered, none after removal");
            assertArrayEquals(x, seen.get(0));
            assertArrayEquals(x, seen.get(1), "the input before adapter dropout");
            assertEquals(List.of(false, true), modes);
            assertTrue(lora.inputObservers().isEmpty());
        }
    }

    @Test
    void severalObserversAreCalledInOrderAndEachHandleRemovesOnlyItsOwn() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            LoraLinear lora = adapted(m, 2, new Shape(1, 3), 1, 1.0, 0.0);
            ParameterStore ps = new ParameterStore(m, false);
            List<String> calls = new ArrayList<>();
            LoraInputObserver first = (layer, input, training) -> calls.add("first");
            LoraInputObserver second = (layer, input, training) -> calls.add("second");
            LoraLinear.InputObserverHandle h1 = lora.addInputObserver(first);
            LoraLinear.InputObserverHandle h2 = lora.addInputObserver(second);
            assertEquals(List.of(first, second), lora.inputObservers());
            try (NDManager step = m.newSubManager()) {
                NDList in = new NDList(step.ones(new Shape(1, 3)));
                lora.forward(ps, in, false);
                assertEquals(List.of("first", "second"), calls, "both, in registration order");
                assertTrue(lora.removeInputObserver(h1));
                assertFalse(lora.removeInputObserver(h1), "a second removal is a no-op");
                h1.close();
                calls.clear();
                lora.forward(ps, in, false);
                assertEquals(List.of("second"), calls, "removing the first leaves the second registered");
                h2.close();
                calls.clear();
                lora.forward(ps, in, false);
                assertEquals(List.of(), calls);
            }
        }
    }
}
