package io.github.treelora.djl.lora;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

/**
 * Device selection for LoRA training.
 *
 * <p>{@link LoraLinear} always creates an adapter's A and B on the device of the base layer's weight, so a
 * model moved to a GPU gets GPU adapters. Whether a GPU is usable is decided by the PyTorch native library
 * on the class path: the default build ships the CPU natives ({@code pytorch-native-cpu}); CUDA natives are
 * a Maven profile concern (Maven Central has no CUDA natives for PyTorch 2.7.1, so a CUDA build must pin an
 * older DJL stack or let DJL download libtorch, which this project forbids at test time). With CPU natives
 * {@link Engine#getGpuCount()} is 0 and everything runs on the CPU.
 */
public final class Devices {

    private Devices() {
    }

    /**
     * The device to train on by default: the first GPU when the engine reports one, else the CPU.
     *
     * @return {@code Device.gpu(0)} or {@code Device.cpu()}
     */
    public static Device preferred() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
    }

    /**
     * The devices to give DJL's training configuration: DJL defaults to all GPUs, which this project never
     * wants implicitly.
     *
     * @return a one-element array holding {@link #preferred()}
     */
    public static Device[] preferredForTraining() {
        return new Device[] {preferred()};
    }

    /**
     * The device that holds a block's parameters (the first initialised one).
     *
     * @param block an initialised block
     * @return its parameters' device
     * @throws IllegalArgumentException if the block has no initialised parameter
     */
    public static Device of(Block block) {
        for (Parameter p : block.getParameters().values()) {
            if (p.isInitialized()) {
                return p.getArray().getDevice();
            }
        }
        throw new IllegalArgumentException(block.getClass().getSimpleName() + " has no initialised parameter");
    }
}
