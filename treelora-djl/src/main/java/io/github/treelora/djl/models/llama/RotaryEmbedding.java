package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings in the Hugging Face convention: the head vector is split in two halves
 * ({@code rotate_half}), and each frequency is used twice ({@code emb = cat(freqs, freqs)}).
 *
 * <p>Immutable; the inverse frequencies are computed once, in double precision, from the configuration.
 */
public final class RotaryEmbedding {

    private final float[] inverseFrequencies;
    private final int headDim;

    /**
     * Computes the inverse frequencies for a configuration, applying llama3 scaling when configured.
     *
     * @param config model configuration
     */
    public RotaryEmbedding(LlamaConfig config) {
        this.headDim = config.headDim();
        int half = headDim / 2;
        inverseFrequencies = new float[half];
        LlamaConfig.RopeScaling s = config.ropeScaling();
        for (int i = 0; i < half; i++) {
            // default rope: inv_freq_i = theta^(-2i/d)
            double inv = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / headDim);
            if (s != null) {
                inv = llama3Scale(inv, s);
            }
            inverseFrequencies[i] = (float) inv;
        }
    }

    /**
     * Llama 3.1 frequency scaling: long wavelengths are divided by {@code factor}, short ones kept, and the
     * band in between interpolated linearly in {@code original / wavelength}.
     */
    private static double llama3Scale(double inv, LlamaConfig.RopeScaling s) {
        double lowFreqWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highFreqWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        double wavelen = 2 * Math.PI / inv;
        if (wavelen < highFreqWavelen) {
            return inv;
        }
        if (wavelen > lowFreqWavelen) {
            return inv / s.factor();
        }
        double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * inv / s.factor() + smooth * inv;
    }

    /**
     * The inverse frequencies, one per pair of rotated dimensions.
     *
     * @return a copy of the {@code head_dim / 2} frequencies
     */
    public float[] inverseFrequencies() {
        return inverseFrequencies.clone();
    }

    /**
     * Cosine and sine tables for given positions.
     *
     * @param positionIds integer positions, shape {@code [B, T]}
     * @return {@code {cos, sin}}, each float32 of shape {@code [B, 1, T, head_dim]} (broadcast over heads),
     *     created in the manager of {@code positionIds}
     */
    public NDArray[] cosSin(NDArray positionIds) {
        NDManager m = positionIds.getManager();
        Shape s = positionIds.getShape();
        NDArray inv = m.create(inverseFrequencies).reshape(1, 1, inverseFrequencies.length);
        NDArray freqs = positionIds.toType(DataType.FLOAT32, false).expandDims(2).mul(inv);
        NDArray emb = freqs.concat(freqs, 2).reshape(s.get(0), 1, s.get(1), headDim);
        return new NDArray[] {emb.cos(), emb.sin()};
    }

    /**
     * Applies the rotation {@code x * cos + rotate_half(x) * sin} with
     * {@code rotate_half(x) = cat(-x[..., d/2:], x[..., :d/2])}.
     *
     * @param x query or key states {@code [B, heads, T, head_dim]}
     * @param cos cosine table from {@link #cosSin}
     * @param sin sine table from {@link #cosSin}
     * @return the rotated states, same shape
     */
    public NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        int half = headDim / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
