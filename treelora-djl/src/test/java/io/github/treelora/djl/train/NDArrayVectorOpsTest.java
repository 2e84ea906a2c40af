package io.github.treelora.djl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device vector arithmetic on hand-computed cases, and no temporaries left in the caller's manager. */
class NDArrayVectorOpsTest {

    @Test
    void handComputedReductionsAndUpdates() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                NDArrayVectorOps ops = new NDArrayVectorOps(m)) {
            NDArray a = m.create(new float[] {1, -2, 3, 0}, new Shape(2, 2));
            NDArray b = ops.fromFloatArray(new float[] {0, 1, 1, 4});
            assertEquals(1 + 3 + 2 + 4, ops.l1Distance(a, b), 1e-6);
            assertEquals(0 - 2 + 3 + 0, ops.dot(a, b), 1e-6);
            assertEquals(Math.sqrt(14), ops.l2Norm(a), 1e-6);
            ops.axpy(0.5, b, a); // a += 0.5 * b, keeping a's [2, 2] shape
            assertEquals(new Shape(2, 2), a.getShape());
            assertArrayEquals(new float[] {1, -1.5f, 3.5f, 2}, a.toFloatArray(), 1e-6f);
            NDArray c = ops.copy(a);
            ops.scale(c, 2);
            assertArrayEquals(new float[] {1, -1.5f, 3.5f, 2}, a.toFloatArray(), 0f, "copy is independent");
            assertArrayEquals(new float[] {2, -3, 7, 4}, ops.toFloatArray(c), 1e-6f);
            NDArray mean = ops.mean(List.of(ops.fromFloatArray(new float[] {1, 2}),
                    ops.fromFloatArray(new float[] {3, 6})));
            assertArrayEquals(new float[] {2, 4}, mean.toFloatArray(), 1e-6f);
            NDArray running = ops.fromFloatArray(new float[] {2, 4});
            ops.updateRunningMean(running, ops.fromFloatArray(new float[] {5, 1}), 3);
            assertArrayEquals(new float[] {3, 3}, running.toFloatArray(), 1e-6f);
            assertThrows(IllegalArgumentException.class,
                    () -> ops.l1Distance(a, ops.fromFloatArray(new float[] {1, 2, 3})));
        }
    }

    /** Layer-batched reductions (one host transfer) on hand-computed cases, also across shapes of equal size. */
    @Test
    void perLayerReductionsMatchHandComputation() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                NDArrayVectorOps ops = new NDArrayVectorOps(m)) {
            NDArray a0 = m.create(new float[] {1, -2, 3, 0}, new Shape(2, 2));
            NDArray a1 = m.create(new float[] {0.5f, 0.5f});
            NDArray b0 = ops.fromFloatArray(new float[] {0, 1, 1, 4});
            NDArray b1 = ops.fromFloatArray(new float[] {-0.5f, 2});
            // |1-0| + |-2-1| + |3-1| + |0-4| = 10; |0.5+0.5| + |0.5-2| = 2.5
            assertArrayEquals(new double[] {10, 2.5}, ops.l1Distances(List.of(a0, a1), List.of(b0, b1)), 1e-6);
            // 0 - 2 + 3 + 0 = 1; -0.25 + 1 = 0.75
            assertArrayEquals(new double[] {1, 0.75}, ops.dots(List.of(a0, a1), List.of(b0, b1)), 1e-6);
            assertArrayEquals(new double[] {Math.sqrt(14), Math.sqrt(0.5)}, ops.l2Norms(List.of(a0, a1)), 1e-6);
            assertArrayEquals(new double[0], ops.l2Norms(List.of()), 0);
            assertThrows(IllegalArgumentException.class, () -> ops.l1Distances(List.of(a0), List.of(b0, b1)));
            assertThrows(IllegalArgumentException.class, () -> ops.dots(List.of(a0), List.of(b1)));
            // Running mean of a (2, 2) mean and a flat sample: (mean * 2 + x) / 3.
            NDArray mean = m.create(new float[] {3, 3, 0, 0}, new Shape(2, 2));
            ops.updateRunningMean(mean, ops.fromFloatArray(new float[] {0, 6, 3, -3}), 3);
            assertEquals(new Shape(2, 2), mean.getShape());
            assertArrayEquals(new float[] {2, 4, 1, -1}, mean.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void parameterWithGradientIsReadWithoutTouchingItsGraphOrManager() {
        try (NDManager model = NDManager.newBaseManager("PyTorch");
                NDArrayVectorOps ops = new NDArrayVectorOps(model)) {
            NDArray param = model.create(new float[] {1, 2, 3});
            param.setRequiresGradient(true);
            NDArray stored = ops.fromFloatArray(new float[] {0, 0, 1});
            NDArray running = ops.fromFloatArray(new float[] {0, 0, 0});
            int before = ((BaseNDManager) model).getManagedArrays().size();
            int ownBefore = ((BaseNDManager) ops.manager()).getManagedArrays().size();
            for (int i = 0; i < 200; i++) {
                ops.l1Distances(List.of(running, stored), List.of(param, param));
                ops.dots(List.of(param), List.of(stored));
                ops.l2Norms(List.of(param, stored));
                ops.updateRunningMean(running, param, i + 1);
                ops.l1Distance(param, stored);
                ops.dot(param, stored);
                ops.l2Norm(param);
                ops.release(ops.copy(param));
                ops.axpy(1e-3, stored, stored);
                ops.toFloatArray(param);
            }
            assertEquals(before, ((BaseNDManager) model).getManagedArrays().size(),
                    "no temporaries may accumulate in the model's manager");
            assertEquals(ownBefore, ((BaseNDManager) ops.manager()).getManagedArrays().size(),
                    "nor in the vectors' manager");
        }
    }
}
