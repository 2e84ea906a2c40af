package io.github.treelora.djl.models;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The element type in which a loaded model keeps its frozen base weights.
 *
 * <p>It applies to the weight matrices and tables (parameters with two or more dimensions: linear weights,
 * embedding tables); vectors (norm weights, biases) always stay float32, as do LoRA A/B, optimizer state and
 * the TreeLoRA vectors. Layers that read a {@link #FLOAT16} weight compute in float32: on CPU they widen one
 * layer's weight just in time inside their forward pass (float16 matrix products are about 14 times slower
 * there than float32 ones), see {@link WideningLinear}.
 *
 * <p>Memory: {@link #FLOAT16} halves the resident weights. During a plain training step, autograd keeps each
 * widened float32 weight until backward (the input gradient of a frozen layer needs it), so the peak of a CPU
 * training step is higher than with {@link #FLOAT32}; the saving holds at rest and for inference, where one layer's
 * widened copy exists at a time, and in training steps with layer recomputation
 * ({@code LlamaForCausalLM.causalLmBackward(..., recomputeLayers = true)}), which hold one layer's graph at a time.
 */
public enum WeightStorage {

    /** Weights kept as float32 (4 bytes per value). */
    FLOAT32(DataType.FLOAT32),

    /**
     * Weights kept as IEEE float16 (2 bytes per value). Loading converts F32 and BF16 checkpoints; a value beyond
     * float16's finite range (|x| &gt; 65504 after rounding) is an error naming the tensor and its file.
     */
    FLOAT16(DataType.FLOAT16);

    private final DataType dataType;

    WeightStorage(DataType dataType) {
        this.dataType = dataType;
    }

    /**
     * The element type of stored weight matrices.
     *
     * @return {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     */
    public DataType dataType() {
        return dataType;
    }

    /**
     * The element type a parameter of {@code shape} is stored in: {@link #dataType()} for two or more dimensions,
     * float32 otherwise.
     *
     * @param shape the parameter's shape
     * @return its storage type
     */
    public DataType dataTypeFor(Shape shape) {
        return shape.dimension() >= 2 ? dataType : DataType.FLOAT32;
    }

    /**
     * The default for a device: {@link #FLOAT32} on CPU (float16 weights add one widening pass per layer and
     * forward, and the widened copies that autograd keeps until backward make a training step's peak memory higher
     * than with float32 weights; docs/benchmarks.md has the measurements), and {@link #FLOAT16} on GPUs, where
     * half-precision storage is the usual choice (in code only: nothing in this project has run on a GPU).
     *
     * @param device the device the model will run on
     * @return the default storage
     */
    public static WeightStorage defaultFor(Device device) {
        return device.isGpu() ? FLOAT16 : FLOAT32;
    }
}
