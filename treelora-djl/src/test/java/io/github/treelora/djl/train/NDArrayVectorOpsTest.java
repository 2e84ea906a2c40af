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

    @Test
    void parameterWithGradientIsReadWithoutTouchingItsGraphOrManager() {
        try (NDManager model = NDManager.newBaseManager("PyTorch");
                NDArrayVectorOps ops = new NDArrayVectorOps(model)) {
            NDArray param = model.create(new float[] {1, 2, 3});
            param.setRequiresGradient(true);
            NDArray stored = ops.fromFloatArray(new float[] {0, 0, 1});
            int before = ((BaseNDManager) model).getManagedArrays().size();
            int ownBefore = ((BaseNDManager) ops.manager()).getManagedArrays().size();
            for (int i = 0; i < 200; i++) {
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
