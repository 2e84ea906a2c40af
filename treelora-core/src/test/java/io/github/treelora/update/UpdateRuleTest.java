package io.github.treelora.update;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.treelora.vector.FloatVectorOps;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The update rules on hand-computed cases (docs/algorithm.md, "Update rules"). */
class UpdateRuleTest {

    private static final FloatVectorOps OPS = FloatVectorOps.INSTANCE;

    @Test
    void referenceRuleAddsLossRescaledVector() {
        // A = (1, 2), v = (0.5, -1): R = -(0.5 - 2) = 1.5; s = 0.5 * 2 / (1.5 + 1e-5).
        float[] g = {0.1f, 0.1f};
        double s = UpdateRule.REFERENCE.apply(OPS, List.of(g), List.of(new float[] {1, 2}),
                List.of(new float[] {0.5f, -1f}), 2.0, 0.5);
        double expectedS = 1.0 / (1.5 + 1e-5);
        assertEquals(expectedS, s, 1e-12);
        assertArrayEquals(new float[] {(float) (0.1 + 0.5 * expectedS), (float) (0.1 - expectedS)}, g, 1e-6f);
    }

    @Test
    void referenceRuleSumsRAcrossLayers() {
        // Layer 0: <(1),(2)> = 2; layer 1: <(3),(-1)> = -3; R = -(2 - 3) = 1; s = 0.1 * 4 / (1 + 1e-5).
        float[] g0 = {0};
        float[] g1 = {0};
        double s = UpdateRule.REFERENCE.apply(OPS, List.of(g0, g1), List.of(new float[] {1}, new float[] {3}),
                List.of(new float[] {2}, new float[] {-1}), 4.0, 0.1);
        assertEquals(0.4 / (1 + 1e-5), s, 1e-12);
        assertEquals(2 * s, g0[0], 1e-6);
        assertEquals(-s, g1[0], 1e-6);
    }

    @Test
    void paperRuleAddsDirectionScaledByGradientNorm() {
        // g = (3, 4), |g| = 5; v = (0, 2), |v| = 2; lambda 0.1: g += 0.1 * 5 / 2 * v = (0, 0.5).
        float[] g = {3, 4};
        UpdateRule.PAPER.apply(OPS, List.of(g), List.of(new float[] {9, 9}), List.of(new float[] {0, 2}), 7.0, 0.1);
        assertArrayEquals(new float[] {3f, 4.5f}, g, 1e-6f);
    }

    @Test
    void paperRuleWithZeroStoredVectorChangesNothing() {
        float[] g = {1, -2};
        UpdateRule.PAPER.apply(OPS, List.of(g), List.of(new float[2]), List.of(new float[2]), 1.0, 0.5);
        assertArrayEquals(new float[] {1, -2}, g, 0f);
    }

    @Test
    void layerCountMismatchIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> UpdateRule.PAPER.apply(OPS,
                List.of(new float[1], new float[1]), List.of(new float[1]), List.of(new float[1]), 1, 1));
    }

    @Test
    void lambdaRampsWithinTheEpoch() {
        LambdaSchedule ramp = LambdaSchedule.linearRampPerEpoch(0.5);
        assertEquals(0.0, ramp.at(0, 10), 0);
        assertEquals(0.25, ramp.at(5, 10), 1e-15);
        assertEquals(0.45, ramp.at(9, 10), 1e-15);
        assertEquals(0.5, LambdaSchedule.constant(0.5).at(3, 10), 0);
        assertThrows(IllegalArgumentException.class, () -> LambdaSchedule.constant(Double.NaN));
    }
}
