package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.github.treelora.djl.lora.ModuleContainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Parameters by Hugging Face / PyTorch state-dict name, and strict loading by name.
 *
 * <p>Names are module paths joined with dots plus the parameter's own name, for example
 * {@code encoder.layer.0.attention.self.query.weight}: children of a {@link ModuleContainer} are named by
 * {@link ModuleContainer#namedModules()}, children of other blocks by DJL's child names. A parameter is
 * reported once, under the first path that reaches it.
 */
public final class StateDict {

    private static final int MAX_LISTED = 20;

    private StateDict() {}

    /**
     * All parameters of {@code root} by state-dict name, in forward order.
     *
     * @param root the model
     * @return an unmodifiable name-to-parameter map
     */
    public static Map<String, Parameter> parameters(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        walk("", root, out, Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        return Collections.unmodifiableMap(out);
    }

    private static void walk(String prefix, Block block, Map<String, Parameter> out, java.util.Set<Parameter> seen) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            if (seen.add(p.getValue())) {
                out.put(prefix + p.getKey(), p.getValue());
            }
        }
        if (block instanceof ModuleContainer container) {
            for (Map.Entry<String, Block> child : container.namedModules().entrySet()) {
                walk(prefix + child.getKey() + ".", child.getValue(), out, seen);
            }
        } else {
            for (Pair<String, Block> child : block.getChildren()) {
                walk(prefix + child.getKey() + ".", child.getValue(), out, seen);
            }
        }
    }

    /**
     * Copies every parameter of {@code root} from the tensor of the same name in {@code source}.
     *
     * <p>Strict and all-or-nothing: first every check runs (the model is initialized, no parameter is missing
     * from the source, the source has no tensor the model lacks, every shape matches, every tensor can be read
     * and has the right length), and all values are read into memory; only then are the parameters' arrays
     * overwritten in place (they keep their identity and gradient buffers, so training can go on). If any
     * check fails, the exception lists the offending names and the model is unchanged.
     *
     * @param root an initialized model
     * @param source the tensors
     * @throws IllegalStateException if a parameter is not initialized
     * @throws IllegalArgumentException on missing keys, unexpected keys, shape or length mismatches, or
     *     non-float32 parameters (all listed in the message)
     */
    public static void load(Block root, TensorSource source) {
        Map<String, Parameter> params = parameters(root);
        List<String> uninitialized = new ArrayList<>();
        List<String> wrongType = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (!e.getValue().isInitialized()) {
                uninitialized.add(e.getKey());
            } else if (e.getValue().getArray().getDataType() != DataType.FLOAT32) {
                wrongType.add(e.getKey() + " (" + e.getValue().getArray().getDataType() + ")");
            }
        }
        if (!uninitialized.isEmpty()) {
            throw new IllegalStateException("initialize the model before loading weights; uninitialized: "
                    + listed(uninitialized));
        }
        TreeSet<String> missing = new TreeSet<>(params.keySet());
        missing.removeAll(source.names());
        TreeSet<String> unexpected = new TreeSet<>(source.names());
        unexpected.removeAll(params.keySet());
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (!source.names().contains(e.getKey())) {
                continue;
            }
            long[] expected = e.getValue().getArray().getShape().getShape();
            long[] actual = source.shape(e.getKey());
            if (!Arrays.equals(expected, actual)) {
                mismatched.add(e.getKey() + ": model " + Arrays.toString(expected) + ", source "
                        + Arrays.toString(actual));
            }
        }
        StringBuilder problems = new StringBuilder();
        if (!missing.isEmpty()) {
            problems.append("\n  missing keys (in the model, not in the source): ").append(listed(missing));
        }
        if (!unexpected.isEmpty()) {
            problems.append("\n  unexpected keys (in the source, not in the model): ").append(listed(unexpected));
        }
        if (!mismatched.isEmpty()) {
            problems.append("\n  shape mismatches: ").append(listed(mismatched));
        }
        if (!wrongType.isEmpty()) {
            problems.append("\n  parameters that are not float32: ").append(listed(wrongType));
        }
        if (problems.length() > 0) {
            throw new IllegalArgumentException("cannot load weights; the model is unchanged:" + problems);
        }
        // Read everything before touching the model, so a failing read leaves it unchanged too.
        Map<Parameter, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            float[] v = source.floats(e.getKey());
            long n = e.getValue().getArray().getShape().size();
            if (v.length != n) {
                throw new IllegalArgumentException("cannot load weights; the model is unchanged: tensor '"
                        + e.getKey() + "' has " + v.length + " values, its shape needs " + n);
            }
            values.put(e.getValue(), v);
        }
        for (Map.Entry<Parameter, float[]> e : values.entrySet()) {
            e.getKey().getArray().set(e.getValue());
        }
    }

    /**
     * A snapshot of every parameter's current values, by state-dict name (copied to Java memory).
     *
     * @param root an initialized model with float32 parameters
     * @return name to tensor, in forward order
     */
    public static Map<String, HostTensor> snapshot(Block root) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters(root).entrySet()) {
            NDArray a = e.getValue().getArray();
            Shape s = a.getShape();
            out.put(e.getKey(), new HostTensor(s.getShape(), a.toFloatArray()));
        }
        return Collections.unmodifiableMap(out);
    }

    private static String listed(java.util.Collection<String> names) {
        List<String> list = new ArrayList<>(names);
        if (list.size() <= MAX_LISTED) {
            return list.toString();
        }
        return list.subList(0, MAX_LISTED) + " and " + (list.size() - MAX_LISTED) + " more";
    }
}
