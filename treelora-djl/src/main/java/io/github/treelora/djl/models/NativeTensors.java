package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;

/**
 * Engine-side helpers of weight loading: assembling a tensor from pieces already in native memory, checking
 * that every value is finite, and installing a loaded array into a parameter.
 */
final class NativeTensors {

    private NativeTensors() {}

    /**
     * Builds one tensor of element type {@code target} from consecutive 1-D pieces (F16, F32 or F64 arrays, for
     * example views of a memory-mapped file). Every piece is checked for NaN and infinity before it is copied;
     * when {@code target} is narrower than a piece, the result is checked again, so a value beyond the target's
     * range is an error. The pieces are copied, never kept: they may alias memory that is reused or unmapped
     * afterwards.
     */
    static final class Assembler implements AutoCloseable {
        private final NDManager manager;
        private final String what;
        private final Shape shape;
        private final DataType target;
        private final long size;
        private NDArray flat;
        private long filled;
        private boolean narrowed;

        /**
         * @param manager owner of the result
         * @param what the tensor and its location, for error messages, e.g. {@code 'w' (/path/model.safetensors)}
         * @param shape the tensor's shape
         * @param target the result's element type
         */
        Assembler(NDManager manager, String what, Shape shape, DataType target) {
            this.manager = manager;
            this.what = what;
            this.shape = shape;
            this.target = target;
            this.size = shape.size();
        }

        /**
         * Checks and copies the next piece.
         *
         * @param piece a 1-D floating-point array holding the next {@code piece.size()} values
         * @throws IllegalArgumentException if the piece holds NaN or infinity (naming the tensor)
         */
        void add(NDArray piece) {
            long n = piece.size();
            if (filled + n > size) {
                throw new IllegalStateException(what + ": more values than the shape " + shape + " holds");
            }
            requireFinite(piece, what, filled);
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
         * The assembled tensor.
         *
         * @return an array of {@code shape} and {@code target} in the manager
         * @throws IllegalArgumentException if narrowing produced a value beyond the target's range
         */
        NDArray finish() {
            if (filled != size) {
                throw new IllegalStateException(what + ": got " + filled + " values, the shape " + shape
                        + " needs " + size);
            }
            if (flat == null) {
                return manager.create(shape, target); // no element
            }
            if (narrowed && !isFinite(flat)) {
                flat.close();
                throw new IllegalArgumentException("tensor " + what + " has a value beyond the range of " + target
                        + " (largest finite float16: 65504); load it with float32 storage");
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
     * Fails unless every value of {@code a} is finite. One pass in the common case: the sum is finite exactly when
     * no value is NaN or infinite, unless it overflowed, which the exact check then tells apart.
     *
     * @param a a floating-point array
     * @param what the tensor and its location, for the message
     * @param offset index of {@code a}'s first element in the tensor, for the message
     * @throws IllegalArgumentException naming the tensor, the kind of value and its first index
     */
    static void requireFinite(NDArray a, String what, long offset) {
        if (a.size() == 0 || isFinite(a)) {
            return;
        }
        try (NDManager tmp = a.getManager().newSubManager()) {
            NDArray bad = a.isNaN();
            bad.attach(tmp);
            String kind = "NaN";
            if (!bad.any().getBoolean()) {
                bad = a.isInfinite();
                bad.attach(tmp);
                kind = "an infinite value";
            }
            NDArray index = bad.toType(DataType.INT32, false).flatten().argMax();
            index.attach(tmp);
            throw new IllegalArgumentException("tensor " + what + " contains " + kind + " (first at element "
                    + (offset + index.toType(DataType.INT64, false).getLong()) + ")");
        }
    }

    /** Whether every value of a floating-point array is finite. */
    static boolean isFinite(NDArray a) {
        if (a.size() == 0) {
            return true;
        }
        try (NDManager tmp = a.getManager().newSubManager()) {
            NDArray sum = a.sum();
            sum.attach(tmp);
            NDArray wide = sum.toType(DataType.FLOAT64, false);
            wide.attach(tmp);
            if (Double.isFinite(wide.getDouble())) {
                return true;
            }
            // The sum can overflow (float16 above 65504) although every value is finite.
            NDArray nan = a.isNaN();
            nan.attach(tmp);
            NDArray inf = a.isInfinite();
            inf.attach(tmp);
            NDArray anyNan = nan.any();
            anyNan.attach(tmp);
            NDArray anyInf = inf.any();
            anyInf.attach(tmp);
            return !anyNan.getBoolean() && !anyInf.getBoolean();
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
