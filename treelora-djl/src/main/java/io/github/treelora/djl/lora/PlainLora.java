package io.github.treelora.djl.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * Plain LoRA, the default {@link LoraVariant}: {@code y += s * B A dropout(x)}; merging adds {@code s B A} to the
 * base weight. No tensors beyond A and B.
 */
public final class PlainLora implements LoraVariant {

    /** The only instance. */
    public static final PlainLora INSTANCE = new PlainLora();

    private PlainLora() {
    }

    @Override
    public String id() {
        return "lora";
    }

    @Override
    public Map<String, long[]> extraTensorShapes(long out, long in) {
        return Map.of();
    }

    @Override
    public Map<String, NDArray> initExtraTensors(LoraLinear layer, LoraAdapter adapter, NDManager manager) {
        return Map.of();
    }

    @Override
    public NDArray forward(LoraLinear layer, LoraAdapter adapter, ParameterStore parameterStore, NDArray x,
            NDArray result, boolean training) {
        Device device = x.getDevice();
        NDArray a = parameterStore.getValue(adapter.a(), device, training);
        NDArray b = parameterStore.getValue(adapter.b(), device, training);
        NDArray h = adapter.input(x, training);
        // Ops are called on input-derived arrays so results belong to the caller's (per-step) manager.
        NDArray down = Linear.linear(h, a).singletonOrThrow();
        NDArray up = Linear.linear(down, b).singletonOrThrow();
        return result.add(up.mul(LoraLinear.scalar(x.getManager(), adapter.spec().scaling(), x.getDataType())));
    }

    @Override
    public NDArray merge(LoraAdapter adapter, NDArray weight, NDArray unmergedWeight, NDManager keep,
            NDManager tmp) {
        weight.addi(adapter.scaledProduct(tmp, weight.getDataType()));
        return null;
    }

    @Override
    public void unmerge(LoraAdapter adapter, NDArray weight, NDArray state, NDManager tmp) {
        weight.subi(adapter.scaledProduct(tmp, weight.getDataType()));
    }

    @Override
    public String toString() {
        return "LoRA";
    }
}
