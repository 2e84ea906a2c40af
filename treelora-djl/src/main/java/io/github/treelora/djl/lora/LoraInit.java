package io.github.treelora.djl.lora;

/**
 * How a new adapter's matrices are initialised (PEFT's {@code init_lora_weights}).
 *
 * <p>Both modes set B to zeros, so a freshly added adapter leaves the model's output unchanged.
 */
public enum LoraInit {
    /**
     * PEFT's default ({@code init_lora_weights=True}): A is Kaiming-uniform with {@code a = sqrt(5)},
     * i.e. uniform in {@code [-1/sqrt(in), 1/sqrt(in)]}, and B is zeros.
     */
    KAIMING_UNIFORM,
    /** PEFT's {@code "gaussian"}: A is normal with standard deviation {@code 1/r}, B is zeros. */
    GAUSSIAN
}
