package io.github.treelora.djl.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * DoRA (weight-decomposed low-rank adaptation) as PEFT computes it for linear layers ({@code use_dora=True}). The
 * adapted weight is {@code W' = m / ||W + s B A||_row * (W + s B A)}: a trainable magnitude {@code m} ({@code [out]},
 * {@link LoraTensorNames#MAGNITUDE}) times the direction of the LoRA-updated weight, its norm taken per output row.
 *
 * <p>Forward, for the running output {@code y} (the base layer's plus the adapters active before this one), with
 * {@code k = m / ||W + s B A||_row} where the norm is detached from the graph (no gradient flows through it):
 * <pre>
 *   y += (k - 1) * base + k * (B A h) * s
 * </pre>
 * where {@code h} is the adapter's input and {@code base} is {@code y} minus the base bias when {@code h = x} (no
 * dropout, or not training), and {@code h W^T} when dropout applies. A new adapter's magnitude is
 * {@code ||W + s B A||_row}, so with B = 0 it leaves the output unchanged. Merging sets
 * {@code W := k * (W + s B A)}, with the norm taken over the base weight before any merge; unmerging divides by
 * {@code k} and subtracts {@code s B A}, with the norm kept from the merge.
 */
public final class Dora implements LoraVariant {

    /** The only instance. */
    public static final Dora INSTANCE = new Dora();

    private Dora() {
    }

    @Override
    public String id() {
        return "dora";
    }

    @Override
    public Map<String, long[]> extraTensorShapes(long out, long in) {
        return Map.of(LoraTensorNames.MAGNITUDE, new long[] {out});
    }

    @Override
    public Map<String, NDArray> initExtraTensors(LoraLinear layer, LoraAdapter adapter, NDManager manager) {
        NDArray w = layer.getBaseWeight().getArray();
        try (NDManager tmp = manager.newSubManager()) {
            NDArray base = w.stopGradient();
            base.attach(tmp);
            NDArray norm = rowNorm(base.add(adapter.scaledProduct(tmp, w.getDataType())));
            norm.attach(manager);
            return Map.of(LoraTensorNames.MAGNITUDE, norm);
        }
    }

    @Override
    public NDArray forward(LoraLinear layer, LoraAdapter adapter, ParameterStore parameterStore, NDArray x,
            NDArray result, boolean training) {
        NDManager step = x.getManager();
        Device device = x.getDevice();
        DataType dtype = x.getDataType();
        NDArray a = parameterStore.getValue(adapter.a(), device, training);
        NDArray b = parameterStore.getValue(adapter.b(), device, training);
        NDArray magnitude = parameterStore.getValue(adapter.tensor(LoraTensorNames.MAGNITUDE), device, training);
        NDArray weight = parameterStore.getValue(layer.getBaseWeight(), device, training);
        NDArray one = LoraLinear.scalar(step, 1.0, dtype);
        NDArray s = LoraLinear.scalar(step, adapter.spec().scaling(), dtype);

        // ||W + s B A|| per output row, detached: B A from detached copies moved to the step's manager.
        NDArray aDetached = a.stopGradient();
        NDArray bDetached = b.stopGradient();
        aDetached.attach(step);
        bDetached.attach(step);
        NDArray norm = rowNorm(s.mul(bDetached.matMul(aDetached)).add(weight)).stopGradient();
        // one * magnitude: the product (and what follows) belongs to the step's manager, and keeps the gradient.
        NDArray k = one.mul(magnitude).div(norm);

        NDArray h = adapter.input(x, training);
        NDArray lora = Linear.linear(Linear.linear(h, a).singletonOrThrow(), b).singletonOrThrow();
        NDArray base;
        if (h != x) {
            base = Linear.linear(h, weight).singletonOrThrow();
        } else {
            Parameter bias = layer.getBaseBias();
            base = bias == null ? result : result.sub(parameterStore.getValue(bias, device, training));
        }
        return result.add(k.sub(one).mul(base).add(k.mul(lora).mul(s)));
    }

    @Override
    public boolean mergeNeedsUnmergedWeight() {
        return true;
    }

    @Override
    public NDArray merge(LoraAdapter adapter, NDArray weight, NDArray unmergedWeight, NDManager keep,
            NDManager tmp) {
        NDArray delta = adapter.scaledProduct(tmp, weight.getDataType());
        NDArray norm = rowNorm(unmergedWeight.add(delta));
        weight.addi(delta);
        weight.muli(factor(adapter, norm, tmp));
        norm.attach(keep);
        return norm;
    }

    @Override
    public void unmerge(LoraAdapter adapter, NDArray weight, NDArray state, NDManager tmp) {
        weight.divi(factor(adapter, state, tmp));
        weight.subi(adapter.scaledProduct(tmp, weight.getDataType()));
    }

    /** {@code m / norm} as a column {@code [out, 1]}, detached, in {@code tmp}. */
    private static NDArray factor(LoraAdapter adapter, NDArray norm, NDManager tmp) {
        NDArray m = adapter.tensor(LoraTensorNames.MAGNITUDE).getArray().stopGradient();
        m.attach(tmp);
        return m.div(norm).reshape(new Shape(-1, 1));
    }

    /** The Euclidean norm of every row of a matrix {@code [out, in]}: {@code [out]}. */
    private static NDArray rowNorm(NDArray matrix) {
        return matrix.square().sum(new int[] {1}).sqrt();
    }

    @Override
    public String toString() {
        return "DoRA";
    }
}
