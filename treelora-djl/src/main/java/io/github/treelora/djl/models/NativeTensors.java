package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import java.util.function.LongToDoubleFunction;

/**
 * Engine-side helpers of weight loading: assembling a tensor from pieces already in native memory, checking
 * that every value is finite, and installing a loaded array into a parameter.
 */
final class NativeTensors {

    private NativeTensors() {}

    /**
     * Builds one tensor of element type {@code target} from consecutive 1-D pieces (F16, F32 or F64 arrays, for
     * example views of a memory-mapped file), then checks the result once for NaN and infinity: the check runs on
     * the (possibly narrower) result, so a value beyond the target's range shows up as well, and it is told apart
     * from a non-finite stored value by reading that one stored value back. The pieces are copied, never kept: they
     * may alias memory that is reused or unmapped afterwards.
     */
    static final class Assembler implements AutoCloseable {
        private final NDManager manager;
        private final String what;
        private final Shape shape;
        private final DataType target;
        private final long size;
        private final LongToDoubleFunction storedValue;
        private NDArray flat;
        private long filled;
        private boolean narrowed;

        /**
         * @param manager owner of the result
         * @param what the tensor and its location, for error messages, e.g. {@code 'w' (/path/model.safetensors)}
         * @param shape the tensor's shape
         * @param target the result's element type
         * @param storedValue element {@code i} as stored, widened to double (read only to explain a failure)
         */
        Assembler(NDManager manager, String what, Shape shape, DataType target, LongToDoubleFunction storedValue) {
            this.manager = manager;
            this.what = what;
            this.shape = shape;
            this.target = target;
            this.size = shape.size();
            this.storedValue = storedValue;
        }

        /**
         * Copies the next piece.
         *
         * @param piece a 1-D floating-point array holding the next {@code piece.size()} values
         */
        void add(NDArray piece) {
            long n = piece.size();
            if (filled + n > size) {
                throw new IllegalStateException(what + ": more values than the shape " + shape + " holds");
            }
            if (piece.getDataType().getNumOfBytes() > target.getNumOfBytes()) {
                narrowed = true;
            }
            if (filled == 0 && n == size) {
                // A conversion writes new memory; the same type needs an explicit clone (toType with copy=true
                // returns a view of the piece in this engine).
                flat = piece.getDataType() == target ? piece.duplicate() : piece.toType(target, false);
                flat.attach(manager);
            } else {
                if (flat == null) {
                    flat = manager.create(new Shape(size), target);
                }
                flat.set(new NDIndex("{}:{}", filled, filled + n), piece);
            }
            filled += n;
        }

        /**
         * The assembled tensor, checked.
         *
         * @return an array of {@code shape} and {@code target} in the manager
         * @throws IllegalArgumentException if a value is NaN or infinite, or beyond the target's range (naming the
         *     tensor and the first such element)
         */
        NDArray finish() {
            if (filled != size) {
                throw new IllegalStateException(what + ": got " + filled + " values, the shape " + shape
                        + " needs " + size);
            }
            if (flat == null) {
                return manager.create(shape, target); // no element
            }
            long bad = firstNonFinite(flat);
            if (bad >= 0) {
                double stored = storedValue.applyAsDouble(bad);
                String problem = Double.isNaN(stored) ? "contains NaN"
                        : Double.isInfinite(stored) ? "contains an infinite value"
                        : "has a value beyond the range of " + target + " (" + stored
                                + "; largest finite float16: 65504): load it with float32 storage";
                throw new IllegalArgumentException("tensor " + what + " " + problem + " (first at element " + bad
                        + ")");
            }
            NDArray out = flat.reshape(shape);
            out.attach(manager);
            if (out != flat) {
                flat.close();
            }
            flat = null;
            return out;
        }

        /** Frees the partial result if {@link #finish()} did not return it. */
        @Override
        public void close() {
            if (flat != null) {
                flat.close();
                flat = null;
            }
        }
    }

    /**
     * The index of the first NaN or infinite value of {@code a}, or -1 if all are finite. One reduction in the
     * common case: the sum is finite exactly when no value is NaN or infinite, unless it overflowed, which the
     * exact test then tells apart.
     *
     * @param a a 1-D floating-point array
     * @return the flat index, or -1
     */
    static long firstNonFinite(NDArray a) {
        if (a.size() == 0) {
            return -1;
        }
        try (NDManager tmp = a.getManager().newSubManager()) {
            NDArray sum = a.sum();
            sum.attach(tmp);
            NDArray wide = sum.toType(DataType.FLOAT64, false);
            wide.attach(tmp);
            if (Double.isFinite(wide.getDouble())) {
                return -1;
            }
            NDArray nan = a.isNaN();
            nan.attach(tmp);
            NDArray inf = a.isInfinite();
            inf.attach(tmp);
            NDArray bad = nan.logicalOr(inf);
            bad.attach(tmp);
            NDArray any = bad.any();
            any.attach(tmp);
            if (!any.getBoolean()) {
                return -1; // the sum overflowed (float16 above 65504) although every value is finite
            }
            NDArray index = bad.toType(DataType.INT32, false).flatten().argMax();
            index.attach(tmp);
            return index.toType(DataType.INT64, false).getLong();
        }
    }

    /**
     * Makes {@code loaded} the value of {@code parameter}: the parameter's array keeps its identity (so parameter
     * stores and optimizers that hold it see the new values) and takes over the native tensor of {@code loaded},
     * which is closed. A parameter that requires gradients gets its gradient buffer attached again.
     *
     * @param parameter an initialized parameter
     * @param loaded an array of the parameter's shape and element type
     */
    static void install(Parameter parameter, NDArray loaded) {
        NDArray current = parameter.getArray();
        if (!current.getShape().equals(loaded.getShape()) || current.getDataType() != loaded.getDataType()) {
            throw new IllegalStateException("parameter " + parameter.getName() + " is " + current.getShape() + " "
                    + current.getDataType() + ", the loaded array " + loaded.getShape() + " "
                    + loaded.getDataType());
        }
        if (current instanceof PtNDArray pt && loaded instanceof PtNDArray) {
            pt.intern(loaded);
            if (parameter.requiresGradient()) {
                current.setRequiresGradient(true);
            }
        } else {
            current.set(loaded.toByteBuffer());
            loaded.close();
        }
    }
}
