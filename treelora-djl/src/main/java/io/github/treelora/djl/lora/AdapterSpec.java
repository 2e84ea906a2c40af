package io.github.treelora.djl.lora;

import java.util.Objects;

/**
 * One adapter's hyper-parameters at one layer: what {@link LoraLinear} keeps per adapter, and what
 * {@link LoraConfig#specFor(String)} gives for a module (rank and alpha patterns applied). The scaling is derived
 * here and only here ({@link #scaling()}), so the state dict, the trainer's checkpoints and PEFT files agree on it.
 *
 * @param rank r, at least 1
 * @param alpha LoRA alpha, finite and greater than 0
 * @param dropout dropout probability on the adapter's input during training, in [0, 1)
 * @param init how A (and B) start
 * @param useRsLora scale by {@code alpha / sqrt(r)} (rank-stabilised LoRA) instead of {@code alpha / r}
 * @param variant what the adapter computes: {@link PlainLora#INSTANCE} or {@link Dora#INSTANCE}
 */
public record AdapterSpec(int rank, double alpha, double dropout, LoraInit init, boolean useRsLora,
        LoraVariant variant) {

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException naming the invalid value
     */
    public AdapterSpec {
        checkRank(rank, "LoRA rank r");
        checkAlpha(alpha, "LoRA alpha");
        checkDropout(dropout);
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(variant, "variant");
    }

    /**
     * A plain LoRA spec.
     *
     * @param rank r
     * @param alpha alpha
     * @param dropout dropout
     * @param init initialisation
     * @param useRsLora rank-stabilised scaling
     * @return the spec with {@link PlainLora#INSTANCE}
     */
    public static AdapterSpec lora(int rank, double alpha, double dropout, LoraInit init, boolean useRsLora) {
        return new AdapterSpec(rank, alpha, dropout, init, useRsLora, PlainLora.INSTANCE);
    }

    /**
     * The factor s in {@code y = W x + b + s B A x}.
     *
     * @return {@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA
     */
    public double scaling() {
        return alpha / (useRsLora ? Math.sqrt(rank) : rank);
    }

    /**
     * Whether the variant is DoRA.
     *
     * @return true for {@link Dora}
     */
    public boolean useDora() {
        return variant == Dora.INSTANCE;
    }

    static void checkRank(Integer rank, String what) {
        if (rank == null || rank < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + rank);
        }
    }

    static void checkAlpha(Double alpha, String what) {
        if (alpha == null || !(alpha > 0) || alpha.isInfinite()) {
            throw new IllegalArgumentException(what + " must be a finite number > 0, got " + alpha);
        }
    }

    static void checkDropout(double dropout) {
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
    }
}
