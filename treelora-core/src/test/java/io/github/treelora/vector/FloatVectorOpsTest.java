package io.github.treelora.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-layer (batched) reductions of {@link VectorOps} on hand-computed cases. */
class FloatVectorOpsTest {

    private final FloatVectorOps ops = FloatVectorOps.INSTANCE;

    @Test
    void perLayerReductionsAreTheLayerwiseValues() {
        List<float[]> a = List.of(new float[] {1, -2, 3, 0}, new float[] {0.5f, 0.5f});
        List<float[]> b = List.of(new float[] {0, 1, 1, 4}, new float[] {-0.5f, 2});
        // |1| + |-3| + |2| + |-4| = 10 and |1| + |-1.5| = 2.5
        assertArrayEquals(new double[] {10, 2.5}, ops.l1Distances(a, b), 1e-12);
        // 0 - 2 + 3 + 0 = 1 and -0.25 + 1 = 0.75
        assertArrayEquals(new double[] {1, 0.75}, ops.dots(a, b), 1e-12);
        assertArrayEquals(new double[] {Math.sqrt(14), Math.sqrt(0.5)}, ops.l2Norms(a), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ops.l1Distances(a, b.subList(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> ops.dots(a.subList(0, 1), b));
    }
}
