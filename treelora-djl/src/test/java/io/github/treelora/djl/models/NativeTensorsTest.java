package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A tensor assembled from several pieces (a tensor across mapping boundaries or staging rounds). */
class NativeTensorsTest {

    private static float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 7 - 3) * 0.25f + i * 1e-3f;
        }
        return v;
    }

    private static NDArray assemble(NDManager m, float[] v, DataType target, int... cuts) {
        try (NativeTensors.Assembler a = new NativeTensors.Assembler(m, "'t' (file)", new Shape(3, v.length / 3),
                target, i -> v[(int) i])) {
            int from = 0;
            for (int cut : cuts) {
                try (NDArray piece = m.create(Arrays.copyOfRange(v, from, cut))) {
                    a.add(piece);
                }
                from = cut;
            }
            return a.finish();
        }
    }

    @Test
    void piecesAreCopiedInOrderIntoEitherType() {
        float[] v = values(30);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray f32 = assemble(m, v, DataType.FLOAT32, 7, 20, 30);
            assertEquals(new Shape(3, 10), f32.getShape());
            assertArrayEquals(v, f32.toFloatArray());
            NDArray f16 = assemble(m, v, DataType.FLOAT16, 1, 29, 30);
            assertEquals(DataType.FLOAT16, f16.getDataType());
            assertArrayEquals(v, f16.toType(DataType.FLOAT32, false).toFloatArray(), 1e-3f);
        }
    }

    @Test
    void nonFiniteAndOutOfRangeValuesAreNamedWithTheirIndex() {
        float[] v = values(30);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            v[23] = Float.NaN;
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> assemble(m, v, DataType.FLOAT32, 10, 30));
            assertTrue(nan.getMessage().contains("'t' (file) contains NaN (first at element 23)"), nan.getMessage());
            v[23] = 7e4f;
            assertEquals(DataType.FLOAT32, assemble(m, v, DataType.FLOAT32, 10, 30).getDataType());
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> assemble(m, v, DataType.FLOAT16, 10, 30));
            assertTrue(range.getMessage().contains("beyond the range of float16 (70000.0"), range.getMessage());
            assertTrue(range.getMessage().contains("element 23"), range.getMessage());
            // A float16 sum above 65504 with every value finite is not an error.
            Arrays.fill(v, 60000f);
            assertEquals(DataType.FLOAT16, assemble(m, v, DataType.FLOAT16, 30).getDataType());
        }
    }
}
