package io.github.treelora.djl.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One adapter at one {@link LoraLinear}: its {@link AdapterSpec} and its tensors, A ({@code [r, in]}), B
 * ({@code [out, r]}) and those its {@link LoraVariant} owns (DoRA's magnitude). Obtained from
 * {@link LoraLinear#getAdapter(String)}; the parameters are the layer's, so changing their values changes the layer.
 */
public final class LoraAdapter {

    private final String name;
    private final AdapterSpec spec;
    private final Map<String, Parameter> tensors;

    LoraAdapter(String name, AdapterSpec spec, Map<String, Parameter> tensors) {
        this.name = name;
        this.spec = spec;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /**
     * The shapes of an adapter's tensors at a layer with weight {@code [out, in]}, in the order of
     * {@link #tensors()}.
     *
     * @param spec the adapter's spec
     * @param out output features
     * @param in input features
     * @return tensor kind ({@link LoraTensorNames}) to shape
     */
    public static Map<String, long[]> tensorShapes(AdapterSpec spec, long out, long in) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(LoraTensorNames.A, new long[] {spec.rank(), in});
        shapes.put(LoraTensorNames.B, new long[] {out, spec.rank()});
        shapes.putAll(spec.variant().extraTensorShapes(out, in));
        return shapes;
    }

    /**
     * The adapter's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The adapter's hyper-parameters at this layer.
     *
     * @return the spec
     */
    public AdapterSpec spec() {
        return spec;
    }

    /**
     * The down-projection A.
     *
     * @return A, {@code [r, in]}
     */
    public Parameter a() {
        return tensors.get(LoraTensorNames.A);
    }

    /**
     * The up-projection B.
     *
     * @return B, {@code [out, r]}
     */
    public Parameter b() {
        return tensors.get(LoraTensorNames.B);
    }

    /**
     * All tensors by kind: A, B, then the variant's own.
     *
     * @return an unmodifiable ordered map
     */
    public Map<String, Parameter> tensors() {
        return tensors;
    }

    /**
     * One tensor by kind.
     *
     * @param kind e.g. {@link LoraTensorNames#MAGNITUDE}
     * @return the parameter
     * @throws IllegalArgumentException if this adapter has no such tensor
     */
    public Parameter tensor(String kind) {
        Parameter p = tensors.get(kind);
        if (p == null) {
            throw new IllegalArgumentException("adapter \"" + name + "\" (" + spec.variant().id() + ") has no tensor "
                    + kind + "; it has " + tensors.keySet());
        }
        return p;
    }

    /** The adapter's input: {@code x}, or dropout of it while training with a dropout probability. */
    NDArray input(NDArray x, boolean training) {
        float p = (float) spec.dropout();
        return training && p > 0 ? Dropout.dropout(x, p, true).singletonOrThrow() : x;
    }

    /**
     * {@code s * B A}, detached from any autograd graph, owned by {@code tmp}.
     *
     * @param tmp the manager of the result and of the detached copies of A and B
     * @param dtype the data type of the weight it is added to
     */
    NDArray scaledProduct(NDManager tmp, DataType dtype) {
        NDArray a = a().getArray().stopGradient();
        NDArray b = b().getArray().stopGradient();
        a.attach(tmp);
        b.attach(tmp);
        NDArray ba = b.matMul(a);
        NDArray delta = ba.mul(LoraLinear.scalar(tmp, spec.scaling(), ba.getDataType()));
        // A float16 base weight (WeightStorage.FLOAT16): the float32 product is rounded once, here.
        return delta.getDataType() == dtype ? delta : delta.toType(dtype, false);
    }
}
