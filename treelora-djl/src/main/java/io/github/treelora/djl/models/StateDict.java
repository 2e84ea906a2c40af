package io.github.treelora.djl.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private StateDict() {}

    /**
     * All parameters of {@code root} by state-dict name, in forward order, those of blocks that name their own
     * ({@link SelfNamedParameters}, such as LoRA layers with their adapters) included.
     *
     * @param root the model
     * @return an unmodifiable name-to-parameter map
     */
    public static Map<String, Parameter> parameters(Block root) {
        return collect(root, true);
    }

    /**
     * The base model's parameters by state-dict name: {@link #parameters(Block)} without the parameters that a
     * {@link SelfNamedParameters} block reports as not base (adapters), so the names the model had before
     * adapters were added.
     *
     * @param root the model
     * @return an unmodifiable name-to-parameter map, in forward order
     */
    public static Map<String, Parameter> baseParameters(Block root) {
        return collect(root, false);
    }

    // One naming walk for the whole project: it sees through LoRA layers, so base weights keep their Hugging Face
    // names after adapters are injected.
    private static Map<String, Parameter> collect(Block root, boolean withAddOns) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        walk("", root, out, Collections.newSetFromMap(new IdentityHashMap<>()), withAddOns);
        return Collections.unmodifiableMap(out);
    }

    private static void walk(String prefix, Block block, Map<String, Parameter> out, Set<Parameter> seen,
            boolean withAddOns) {
        if (block instanceof SelfNamedParameters self) {
            // Add-on parameters are marked seen even when skipped, so no other path can report them.
            for (Map.Entry<String, Parameter> e : self.stateDictParameters().entrySet()) {
                Parameter p = e.getValue();
                if (seen.add(p) && (withAddOns || self.isBaseParameter(p))) {
                    out.put(prefix + e.getKey(), p);
                }
            }
            return;
        }
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            if (seen.add(p.getValue())) {
                out.put(prefix + p.getKey(), p.getValue());
            }
        }
        if (block instanceof ModuleContainer container) {
            for (Map.Entry<String, Block> child : container.namedModules().entrySet()) {
                walk(prefix + child.getKey() + ".", child.getValue(), out, seen, withAddOns);
            }
        } else {
            for (Pair<String, Block> child : block.getChildren()) {
                walk(prefix + child.getKey() + ".", child.getValue(), out, seen, withAddOns);
            }
        }
    }

    /**
     * Rules that relax strict loading for known, harmless differences between a checkpoint and the model.
     *
     * @param ignored glob patterns ({@code *} matches any characters, dots included) of source tensors to skip
     *     without reading them, for example {@code "*.rotary_emb.inv_freq"} (a buffer recomputed from the config)
     *     or {@code "pooler.*"} (a head the model does not have)
     * @param ties source tensors that duplicate a model parameter (tied weights saved twice); each may be absent,
     *     and if present must equal its parameter exactly
     */
    public record LoadOptions(List<String> ignored, List<Tie> ties) {

        /** No relaxation: every source tensor must be a model parameter. */
        public static final LoadOptions STRICT = new LoadOptions(List.of(), List.of());

        /**
         * Copies the lists.
         *
         * @param ignored glob patterns ({@code *} matches any characters, dots included) of source tensors to skip
         *     without reading them, for example {@code "*.rotary_emb.inv_freq"} (a buffer recomputed from the config)
         *     or {@code "pooler.*"} (a head the model does not have)
         * @param ties source tensors that duplicate a model parameter (tied weights saved twice); each may be absent,
         *     and if present must equal its parameter exactly
         */
        public LoadOptions {
            ignored = List.copyOf(ignored);
            ties = List.copyOf(ties);
        }

        /**
         * A copy that also ignores source tensors matching {@code pattern}.
         *
         * @param pattern a glob pattern, {@code *} matching any characters
         * @return the new options
         */
        public LoadOptions ignoring(String pattern) {
            List<String> more = new ArrayList<>(ignored);
            more.add(pattern);
            return new LoadOptions(more, ties);
        }

        /**
         * A copy that also accepts {@code alias} as a saved copy of parameter {@code parameter}.
         *
         * @param alias the source tensor name, for example {@code "lm_head.weight"}
         * @param parameter the model parameter it must equal, for example {@code "model.embed_tokens.weight"}
         * @param reason why they are tied, quoted in the error, for example {@code "tie_word_embeddings is true"}
         * @return the new options
         */
        public LoadOptions tying(String alias, String parameter, String reason) {
            List<Tie> more = new ArrayList<>(ties);
            more.add(new Tie(alias, parameter, reason));
            return new LoadOptions(ignored, more);
        }

        boolean isIgnored(String name) {
            for (String pattern : ignored) {
                if (globMatches(pattern, name)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A source tensor accepted as a copy of a model parameter.
     *
     * @param alias the source tensor name
     * @param parameter the model parameter's state-dict name
     * @param reason why they are tied (for error messages)
     */
    public record Tie(String alias, String parameter, String reason) {}

    /**
     * Copies every parameter of {@code root} from the tensor of the same name in {@code source}, strictly
     * ({@link LoadOptions#STRICT}).
     *
     * @param root an initialized model
     * @param source the tensors
     * @throws IllegalStateException if a parameter is not initialized
     * @throws IllegalArgumentException on missing keys, unexpected keys, shape, dtype or length mismatches, or
     *     non-float32 parameters (all listed in the message)
     * @see #load(Block, TensorSource, LoadOptions)
     */
    public static void load(Block root, TensorSource source) {
        load(root, source, LoadOptions.STRICT);
    }

    /**
     * Copies every parameter of {@code root} from the tensor of the same name in {@code source}.
     *
     * <p>Strict and all-or-nothing: first every check runs on names, shapes and dtypes only (the model is
     * initialized, no parameter is missing from the source, the source has no tensor the model lacks unless
     * {@code options} ignores it or names it as a tie, every shape matches, every tensor to read has a
     * floating-point dtype, every parameter is float32 or float16), before any tensor data is read. Then ties are
     * compared with their parameters, and every tensor is read into a new engine array of its parameter's element
     * type ({@link TensorSource#toNDArray}: straight from the file for safetensors, F16/BF16/F64 converted, every
     * value checked to be finite). Only when all are read are the parameters' arrays given the new values (they
     * keep their identity, so parameter stores and optimizers that hold them see the new values). If any check or
     * read fails, the exception names the offending keys and where they are stored, and the model is unchanged.
     * Peak native memory is therefore the model plus one more copy of its weights; no copy is held on the Java
     * heap. {@link #loadStreaming} avoids the second copy for models that are discarded on failure.
     *
     * @param root an initialized model
     * @param source the tensors
     * @param options ignored names and ties
     * @throws IllegalStateException if a parameter is not initialized
     * @throws IllegalArgumentException on missing keys, unexpected keys, shape or dtype mismatches, a tie whose
     *     tensor differs from its parameter, NaN or infinite values, values beyond float16's range for a float16
     *     parameter, or parameters that are neither float32 nor float16 (all named in the message)
     * @throws java.io.UncheckedIOException if the source cannot be read (the model is then unchanged too)
     */
    public static void load(Block root, TensorSource source, LoadOptions options) {
        load(root, source, options, true);
    }

    /**
     * Like {@link #load(Block, TensorSource, LoadOptions)}, with the same checks before any data is read, but
     * each parameter receives its new values as soon as its tensor is read, so peak memory is the model alone.
     * A failure while reading (an unreadable file, NaN or infinite values) leaves the model partially loaded:
     * use it only for a freshly built model that is discarded on failure, as the {@code fromPretrained} loaders
     * do.
     *
     * @param root an initialized model
     * @param source the tensors
     * @param options ignored names and ties
     * @throws IllegalStateException if a parameter is not initialized
     * @throws IllegalArgumentException as {@link #load(Block, TensorSource, LoadOptions)}
     * @throws java.io.UncheckedIOException if the source cannot be read
     */
    public static void loadStreaming(Block root, TensorSource source, LoadOptions options) {
        load(root, source, options, false);
    }

    private static void load(Block root, TensorSource source, LoadOptions options, boolean staged) {
        Map<String, Parameter> params = parameters(root);
        List<String> uninitialized = new ArrayList<>();
        List<String> wrongType = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (!e.getValue().isInitialized()) {
                uninitialized.add(e.getKey());
            } else if (!STORAGE_TYPES.contains(e.getValue().getArray().getDataType())) {
                wrongType.add(e.getKey() + " (" + e.getValue().getArray().getDataType() + ")");
            }
        }
        if (!uninitialized.isEmpty()) {
            throw new IllegalStateException("initialize the model before loading weights; uninitialized: "
                    + LoadProblems.listed(uninitialized));
        }
        Set<String> names = source.names();
        Map<String, Tie> ties = new LinkedHashMap<>();
        for (Tie tie : options.ties()) {
            if (names.contains(tie.alias()) && !params.containsKey(tie.alias())) {
                ties.put(tie.alias(), tie);
            }
        }
        TreeSet<String> missing = new TreeSet<>(params.keySet());
        missing.removeAll(names);
        TreeSet<String> unexpected = new TreeSet<>();
        for (String n : names) {
            if (!params.containsKey(n) && !ties.containsKey(n) && !options.isIgnored(n)) {
                unexpected.add(located(source, n));
            }
        }
        List<String> mismatched = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        Map<String, String> toRead = new LinkedHashMap<>(); // source name -> parameter whose shape it needs
        for (String p : params.keySet()) {
            if (names.contains(p)) {
                toRead.put(p, p);
            }
        }
        for (Tie tie : ties.values()) {
            if (params.containsKey(tie.parameter())) {
                toRead.put(tie.alias(), tie.parameter());
            } else {
                unexpected.add(located(source, tie.alias()) + " (tied to '" + tie.parameter()
                        + "', which the model does not have)");
            }
        }
        for (Map.Entry<String, String> e : toRead.entrySet()) {
            long[] expected = params.get(e.getValue()).getArray().getShape().getShape();
            long[] actual = source.shape(e.getKey());
            if (!Arrays.equals(expected, actual)) {
                mismatched.add(located(source, e.getKey()) + ": model " + Arrays.toString(expected) + ", source "
                        + Arrays.toString(actual));
            }
            String dtype = source.dtype(e.getKey());
            if (!FLOAT_DTYPES.contains(dtype)) {
                wrongDtype.add(located(source, e.getKey()) + " is " + dtype);
            }
        }
        LoadProblems problems = new LoadProblems()
                .add("missing keys (model parameters the source lacks)", missing)
                .add("unexpected keys (in the source, not in the model)", unexpected)
                .add("shape mismatches", mismatched)
                .add("dtype mismatches (weights must be F32, F16, BF16 or F64)", wrongDtype)
                .add("parameters that are neither float32 nor float16", wrongType);
        String failure = "cannot load weights from " + source.describe()
                + (staged ? "; the model is unchanged:" : ":");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(failure + problems);
        }
        if (params.isEmpty()) {
            return;
        }
        NDManager scratch = params.values().iterator().next().getArray().getManager().newSubManager();
        try {
            for (Tie tie : ties.values()) {
                // Compared in float32 whatever the storage type, so that rounding cannot hide a difference.
                try (NDManager tmp = scratch.newSubManager()) {
                    NDArray alias = source.toNDArray(tie.alias(), tmp, DataType.FLOAT32);
                    NDArray original = source.toNDArray(tie.parameter(), tmp, DataType.FLOAT32);
                    if (!alias.contentEquals(original)) {
                        throw new IllegalArgumentException(failure + " '" + tie.alias() + "' differs from '"
                                + tie.parameter() + "', but " + tie.reason());
                    }
                }
            }
            Map<Parameter, NDArray> loaded = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                Parameter p = e.getValue();
                NDArray a;
                try {
                    a = source.toNDArray(e.getKey(), scratch, p.getArray().getDataType());
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(failure + " " + ex.getMessage(), ex);
                }
                if (staged) {
                    loaded.put(p, a);
                } else {
                    NativeTensors.install(p, a);
                }
            }
            loaded.forEach(NativeTensors::install);
        } finally {
            scratch.close();
        }
    }

    private static final Set<DataType> STORAGE_TYPES = Set.of(DataType.FLOAT32, DataType.FLOAT16);

    private static final Set<String> FLOAT_DTYPES = Set.of("F32", "F16", "BF16", "F64");

    /** {@code 'name'}, followed by its storage location when that is more specific than the whole source. */
    private static String located(TensorSource source, String name) {
        String where = source.location(name);
        return where == null || where.equals(source.describe()) ? "'" + name + "'" : "'" + name + "' (" + where + ")";
    }

    /** Whether {@code name} matches the glob {@code pattern}, in which {@code *} matches any characters. */
    static boolean globMatches(String pattern, String name) {
        String[] parts = pattern.split("\\*", -1);
        if (parts.length == 1) {
            return pattern.equals(name);
        }
        if (!name.startsWith(parts[0])) {
            return false;
        }
        int pos = parts[0].length();
        for (int i = 1; i < parts.length - 1; i++) {
            int found = name.indexOf(parts[i], pos);
            if (found < 0) {
                return false;
            }
            pos = found + parts[i].length();
        }
        String last = parts[parts.length - 1];
        return name.length() - last.length() >= pos && name.endsWith(last);
    }

    /**
     * A snapshot of every parameter's current values, by state-dict name (copied to Java memory).
     *
     * @param root an initialized model with float32 or float16 parameters (float16 values are widened exactly)
     * @return name to tensor, in forward order
     */
    public static Map<String, HostTensor> snapshot(Block root) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters(root).entrySet()) {
            NDArray a = e.getValue().getArray();
            Shape s = a.getShape();
            float[] values;
            if (a.getDataType() == DataType.FLOAT32) {
                values = a.toFloatArray();
            } else {
                try (NDArray wide = a.toType(DataType.FLOAT32, false)) {
                    values = wide.toFloatArray();
                }
            }
            out.put(e.getKey(), new HostTensor(s.getShape(), values));
        }
        return Collections.unmodifiableMap(out);
    }
}
