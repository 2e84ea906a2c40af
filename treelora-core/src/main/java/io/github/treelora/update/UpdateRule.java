package io.github.treelora.update;

import io.github.treelora.vector.VectorOps;
import java.util.List;

/**
 * The sparse-gradient update rule (docs/algorithm.md, "Update rules"): after the loss gradient of every adapted
 * layer's LoRA A matrix
 * is computed, add a term tying layer l to the stored vector of the task the selector chose for it. Only A
 * gets a term (B gets none). Pure arithmetic over {@link VectorOps}: a binding applies it to device
 * gradients in place, before the optimizer step.
 */
public enum UpdateRule {

    /**
     * First-order reading of the paper's {@code - lambda * grad ||g_n - g_k||_1}:
     * {@code g_l += lambda * ||g_l||_2 / max(||v_l||_2, eps) * v_l}, pulling the update towards the similar
     * task's expected-gradient direction with a strength relative to the current gradient.
     */
    PAPER {
        @Override
        public <V> double apply(VectorOps<V> ops, List<V> gradients, List<V> values, List<V> selected,
                double loss, double lambda) {
            checkSizes(gradients, values, selected);
            double[] gradientNorms = ops.l2Norms(gradients);
            double[] selectedNorms = ops.l2Norms(selected);
            double applied = 0;
            for (int l = 0; l < gradients.size(); l++) {
                double coefficient = lambda * gradientNorms[l] / Math.max(selectedNorms[l], EPS);
                ops.axpy(coefficient, selected.get(l), gradients.get(l));
                applied += coefficient;
            }
            return applied / gradients.size();
        }
    },

    /**
     * The published code: it subtracts {@code s * R} from the loss with
     * {@code R = -sum_l <A_l, v_l>} and the detached scale {@code s = lambda_t * loss / (R + 1e-5)}; the effect
     * on the gradient is exactly {@code g_l += s * v_l} with R evaluated at the current A.
     */
    REFERENCE {
        @Override
        public <V> double apply(VectorOps<V> ops, List<V> gradients, List<V> values, List<V> selected,
                double loss, double lambda) {
            checkSizes(gradients, values, selected);
            double r = 0;
            for (double d : ops.dots(values, selected)) {
                r -= d;
            }
            double coefficient = lambda * loss / (r + 1e-5);
            for (int l = 0; l < gradients.size(); l++) {
                ops.axpy(coefficient, selected.get(l), gradients.get(l));
            }
            return coefficient;
        }
    };

    /** Floor of the stored vector's norm in the PAPER rule, so a zero vector adds nothing instead of NaN. */
    public static final double EPS = 1e-12;

    /**
     * Adds the rule's term to the gradients, in place.
     *
     * @param ops vector arithmetic
     * @param gradients dLoss/dA_l per layer, updated in place
     * @param values current A_l per layer (flattened like the gradients; used by REFERENCE)
     * @param selected the selected task's stored vector v[k_l][l] per layer
     * @param loss the step's loss value (used by REFERENCE)
     * @param lambda the strength for this step (from a {@link LambdaSchedule})
     * @param <V> vector type
     * @return the coefficient applied (REFERENCE: s; PAPER: mean over layers of the per-layer coefficient),
     *     for logging
     */
    public abstract <V> double apply(VectorOps<V> ops, List<V> gradients, List<V> values, List<V> selected,
            double loss, double lambda);

    private static <V> void checkSizes(List<V> gradients, List<V> values, List<V> selected) {
        if (gradients.size() != selected.size() || values.size() != selected.size()) {
            throw new IllegalArgumentException("layer counts differ: " + gradients.size() + " gradients, "
                    + values.size() + " values, " + selected.size() + " selected vectors");
        }
    }
}
