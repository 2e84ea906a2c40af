package io.github.treelora.djl.lora;

/**
 * The one place that names adapter tensors. An adapter tensor has a kind ({@link #A}, {@link #B}, or a variant's
 * own, such as DoRA's {@link #MAGNITUDE}: PEFT's attribute names) and is named in three contexts:
 * <ul>
 *   <li>in a {@link LoraLinear} and its state dict ({@link LoraStateDict}), with the adapter name, as PEFT names
 *       it in memory: {@code lora_A.<adapter>.weight} ({@link #stateDictKey});</li>
 *   <li>in the continual trainer's checkpoint: {@code <module path>.lora_A.<adapter>} ({@link #checkpointKey});</li>
 *   <li>in PEFT's {@code adapter_model.safetensors}, without the adapter name:
 *       {@code base_model.model.<module path>.lora_A.weight} ({@link #peftKey}); DoRA's magnitude has no
 *       {@code .weight} there ({@code base_model.model.<module path>.lora_magnitude_vector}), as PEFT keeps the key
 *       its files had before the magnitude became the {@code weight} of a sub-module.</li>
 * </ul>
 */
public final class LoraTensorNames {

    /** The down-projection A, {@code [r, in]}. */
    public static final String A = "lora_A";
    /** The up-projection B, {@code [out, r]}. */
    public static final String B = "lora_B";
    /** DoRA's magnitude vector, {@code [out]}. */
    public static final String MAGNITUDE = "lora_magnitude_vector";
    /** The prefix PEFT puts before module paths in adapter files. */
    public static final String PEFT_PREFIX = "base_model.model.";

    private static final String WEIGHT = ".weight";

    private LoraTensorNames() {
    }

    /**
     * The DJL parameter name of a tensor inside its {@link LoraLinear}.
     *
     * @param tensor the kind, e.g. {@link #A}
     * @param adapter the adapter's name
     * @return {@code <tensor>.<adapter>}
     */
    public static String parameterName(String tensor, String adapter) {
        return tensor + "." + adapter;
    }

    /**
     * The state-dict name of a tensor relative to its layer (PEFT's in-memory name).
     *
     * @param tensor the kind
     * @param adapter the adapter's name
     * @return {@code <tensor>.<adapter>.weight}
     */
    public static String stateDictKey(String tensor, String adapter) {
        return parameterName(tensor, adapter) + WEIGHT;
    }

    /**
     * The key of a tensor in the continual trainer's checkpoint.
     *
     * @param modulePath the layer's dotted path
     * @param tensor the kind
     * @param adapter the adapter's name
     * @return {@code <modulePath>.<tensor>.<adapter>}
     */
    public static String checkpointKey(String modulePath, String tensor, String adapter) {
        return modulePath + "." + parameterName(tensor, adapter);
    }

    /**
     * The key of a tensor in PEFT's {@code adapter_model.safetensors}.
     *
     * @param modulePath the layer's dotted path
     * @param tensor the kind
     * @return {@code base_model.model.<modulePath>.<tensor>.weight}, for {@link #MAGNITUDE} without {@code .weight}
     */
    public static String peftKey(String modulePath, String tensor) {
        return PEFT_PREFIX + modulePath + peftSuffix(tensor);
    }

    private static String peftSuffix(String tensor) {
        return "." + tensor + (tensor.equals(MAGNITUDE) ? "" : WEIGHT);
    }

    /**
     * The module path in a PEFT key of one of the given kinds.
     *
     * @param key a PEFT file key
     * @param tensors the kinds to recognise
     * @return the module path, or null when the key is not {@link #peftKey} of a path and one of {@code tensors}
     */
    static String peftModulePath(String key, Iterable<String> tensors) {
        if (!key.startsWith(PEFT_PREFIX)) {
            return null;
        }
        String rest = key.substring(PEFT_PREFIX.length());
        for (String t : tensors) {
            String suffix = peftSuffix(t);
            if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                return rest.substring(0, rest.length() - suffix.length());
            }
        }
        return null;
    }
}
