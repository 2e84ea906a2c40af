package io.github.treelora.djl.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.models.LoadProblems;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsWriter;
import io.github.treelora.io.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Strict, by-name safetensors I/O shared by {@link LoraStateDict} (base weights) and {@link PeftAdapterIO}
 * (adapters): writing float32 parameters, and checking a file completely against what a model expects before
 * anything is read into it.
 */
final class NamedTensorFiles {

    private NamedTensorFiles() {
    }

    /**
     * Writes parameters as F32 tensors, atomically ({@link SafetensorsWriter#write}).
     *
     * @param tensors file key to parameter, all initialised float32
     * @param metadata string metadata for the header
     * @param file the target file
     */
    static void write(Map<String, Parameter> tensors, Map<String, String> metadata, Path file) throws IOException {
        requireFloat32(tensors);
        SafetensorsWriter writer = new SafetensorsWriter();
        metadata.forEach(writer::putMetadata);
        for (Map.Entry<String, Parameter> e : tensors.entrySet()) {
            NDArray a = e.getValue().getArray();
            writer.putFloats(e.getKey(), a.getShape().getShape(), a.toFloatArray());
        }
        writer.write(file);
    }

    /** Rejects uninitialised or non-float32 parameters, naming them. */
    static void requireFloat32(Map<String, Parameter> tensors) {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : tensors.entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                bad.add(e.getKey() + " (not initialised)");
            } else if (p.getArray().getDataType() != DataType.FLOAT32) {
                bad.add(e.getKey() + " (" + p.getArray().getDataType() + ")");
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("only initialised float32 parameters can be saved or loaded by name: "
                    + LoadProblems.listed(bad));
        }
    }

    /**
     * Checks {@code file} against the expected keys and shapes, then reads every tensor as float and checks that
     * all values are finite. Every key problem is collected into one message (missing keys, unexpected keys with
     * {@code hint}, shape mismatches, non-float dtypes); nothing is returned unless all checks pass, so callers
     * can change their model only afterwards.
     *
     * @param file the open file
     * @param expected key to expected shape, in the order to read
     * @param what what is loaded, for messages (for example {@code "adapter"})
     * @param hint extra text for an unexpected key (for example the closest module names), or null
     * @return key to values, in {@code expected} order
     * @throws IllegalArgumentException naming the file and every offending key
     * @throws IOException if reading fails
     */
    static Map<String, float[]> readChecked(SafetensorsFile file, Map<String, long[]> expected, String what,
            Function<String, String> hint) throws IOException {
        List<String> names = file.names();
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(names);
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        for (String n : names) {
            long[] want = expected.get(n);
            if (want == null) {
                String h = hint == null ? null : hint.apply(n);
                unexpected.add("'" + n + "'" + (h == null ? "" : " (" + h + ")"));
                continue;
            }
            TensorInfo info = file.info(n);
            if (!Arrays.equals(want, info.shape())) {
                mismatched.add("'" + n + "': model " + Arrays.toString(want) + ", file "
                        + Arrays.toString(info.shape()));
            }
            if (!info.dtype().isFloatingPoint()) {
                wrongDtype.add("'" + n + "' is " + info.dtype().headerName());
            }
        }
        LoadProblems problems = new LoadProblems()
                .add("missing keys (the model needs them, the file lacks them)", missing)
                .add("unexpected keys (in the file, not in the model)", unexpected)
                .add("shape mismatches", mismatched)
                .add("non-float tensors", wrongDtype);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot load " + what + " from " + file.path()
                    + "; the model is unchanged:" + problems);
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        for (String n : expected.keySet()) {
            float[] v = file.readFloats(n);
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException("cannot load " + what + " from " + file.path()
                            + "; the model is unchanged: tensor '" + n + "' holds " + v[i] + " at element " + i);
                }
            }
            values.put(n, v);
        }
        return values;
    }
}
