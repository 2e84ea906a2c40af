package io.github.treelora.examples.runtime;

import io.github.treelora.djl.models.HostTensor;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * What the pretraining commands check so that they never write weights that are not numbers: the loss of every
 * step, and every value of the trained weights before they are saved. The messages say where training went wrong
 * and that the output was left as it was.
 */
public final class Divergence {

    /** The largest finite float16 value: larger float32 weights become infinite when stored as float16. */
    public static final float FLOAT16_MAX = 65504f;

    private Divergence() {}

    /**
     * The message for a loss that is not finite, or null for a finite one.
     *
     * @param job the command name
     * @param loss the step's loss
     * @param where where in training, e.g. {@code "epoch 1/1, step 2/4"}
     * @param learningRate the peak learning rate ({@code --lr})
     * @param output the output directory, left unchanged
     * @return null or the message
     */
    public static String loss(String job, double loss, String where, double learningRate, Path output) {
        if (Double.isFinite(loss)) {
            return null;
        }
        return String.format(Locale.ROOT, "%s: training diverged: the loss is %s at %s (--lr %s); stopped, nothing "
                + "was written and %s is unchanged; lower --lr", job, loss, where, learningRate,
                output.toAbsolutePath());
    }

    /**
     * The message for weights that hold a value that is not finite or larger in magnitude than {@code maxAbs}
     * (naming the first such tensor and index), or null when all are fine.
     *
     * @param job the command name
     * @param tensors the trained weights by name
     * @param maxAbs the largest magnitude the stored format holds ({@link Float#MAX_VALUE} for float32,
     *     {@link #FLOAT16_MAX} for float16)
     * @param output the output directory, left unchanged
     * @return null or the message
     */
    public static String weights(String job, Map<String, HostTensor> tensors, float maxAbs, Path output) {
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            float[] v = e.getValue().data();
            for (int i = 0; i < v.length; i++) {
                if (!(Math.abs(v[i]) <= maxAbs)) {
                    return String.format(Locale.ROOT, "%s: training diverged: weight %s[%d] is %s%s; nothing was "
                            + "written and %s is unchanged; lower --lr", job, e.getKey(), i, v[i],
                            Float.isFinite(v[i]) ? " (beyond " + maxAbs + ", the largest value the file type holds)"
                                    : "", output.toAbsolutePath());
                }
            }
        }
        return null;
    }
}
