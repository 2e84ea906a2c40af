package io.github.treelora.djl.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** Hand-computed cases of the prompt-masked next-token loss. */
class CausalLmLossTest {

    private static final long IGN = CausalLmLoss.IGNORE_INDEX;

    @Test
    void promptPositionsDoNotCount() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // T = 3, V = 2. Position 0's logits would predict label[1] (prompt, ignored); position 1's predict
            // label[2] = 1 with p = e^{ln 3} / (1 + e^{ln 3}) = 3/4; position 2 has no next token.
            float ln3 = (float) Math.log(3);
            NDArray logits = m.create(new float[] {100, -100, 0, ln3, 7, -7}, new Shape(1, 3, 2));
            NDArray labels = m.create(new long[] {IGN, IGN, 1}, new Shape(1, 3));
            logits.setRequiresGradient(true);
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss = CausalLmLoss.compute(logits, labels);
                gc.backward(loss);
            }
            assertEquals(Math.log(4.0 / 3.0), loss.getFloat(), 1e-6);
            // d loss / d logits: zero at ignored positions; softmax - onehot = (1/4, -1/4) at position 1.
            assertArrayEquals(new float[] {0, 0, 0.25f, -0.25f, 0, 0}, logits.getGradient().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void meanIsOverCountedTokensOnly() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // Two rows; row 0 counts two tokens with uniform logits (ln 2 each), row 1 counts one token with
            // p = 1/2 too, and one padding label. Mean over 3 counted tokens = ln 2.
            NDArray logits = m.zeros(new Shape(2, 3, 2));
            NDArray labels = m.create(new long[] {IGN, 0, 1, IGN, 1, IGN}, new Shape(2, 3));
            assertEquals(Math.log(2), CausalLmLoss.compute(logits, labels).getFloat(), 1e-6);
        }
    }

    @Test
    void rejectsBadLabels() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray logits = m.zeros(new Shape(1, 3, 2));
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> CausalLmLoss.compute(logits, m.create(new long[] {1, IGN, IGN}, new Shape(1, 3))));
            assertEquals(true, none.getMessage().contains("no labelled token"));
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> CausalLmLoss.compute(logits, m.create(new long[] {0, 2, 1}, new Shape(1, 3))));
            assertEquals(true, range.getMessage().contains("label 2"));
        }
    }

    @Test
    void promptMaskedLabelsHandleLeftAndRightPadding() {
        long[][] ids = {{0, 0, 11, 12, 13, 14}, {21, 22, 23, 24, 0, 0}};
        long[][] mask = {{0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};
        long[][] labels = CausalLmLoss.promptMaskedLabels(ids, mask, new int[] {1, 3});
        assertArrayEquals(new long[] {IGN, IGN, IGN, 12, 13, 14}, labels[0]);
        assertArrayEquals(new long[] {IGN, IGN, IGN, 24, IGN, IGN}, labels[1]);
    }
}
