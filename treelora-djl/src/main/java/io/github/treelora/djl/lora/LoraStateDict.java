package io.github.treelora.djl.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.models.StateDict;
import io.github.treelora.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameters by state-dict name in models with LoRA layers, and saving/loading the base weights by name.
 *
 * <p>The names are those of {@link StateDict#parameters} (module paths joined with dots plus the parameter's own
 * name, as in Hugging Face / PyTorch state dicts). That walk sees through {@link LoraLinear}
 * ({@link LoraLinear#stateDictParameters()}): the wrapped layer's weight and bias keep their un-injected names
 * ({@code ...attention.query.weight}, {@code ...attention.query.bias}) and adapter parameters get PEFT's names
 * ({@code ...attention.query.lora_A.<adapter>.weight}, DoRA's {@code ...lora_magnitude_vector.<adapter>.weight};
 * {@link LoraTensorNames#stateDictKey}).
 *
 * <p>Never use DJL's {@code Block.saveParameters} for models with adapters: it is a positional stream that no
 * longer matches once a layer is wrapped.
 */
public final class LoraStateDict {

    private LoraStateDict() {
    }

    /**
     * All parameters of {@code root} by state-dict name, in forward order, adapters included.
     *
     * @param root the model
     * @return an unmodifiable name-to-parameter map
     */
    public static Map<String, Parameter> parameters(Block root) {
        return StateDict.parameters(root);
    }

    /**
     * The base model's parameters by state-dict name: {@link #parameters(Block)} without adapter parameters,
     * so the same names as the model had before LoRA was injected.
     *
     * @param root the model
     * @return an unmodifiable name-to-parameter map, in forward order
     */
    public static Map<String, Parameter> baseParameters(Block root) {
        return StateDict.baseParameters(root);
    }

    /**
     * Saves the base weights ({@link #baseParameters(Block)}) as a float32 safetensors file, atomically.
     *
     * @param root an initialised model with float32 parameters
     * @param file the target file (replaced if it exists)
     * @throws IllegalStateException if adapters are merged into base weights (the file would not hold the base
     *     model)
     * @throws IllegalArgumentException if a parameter is not initialised or not float32
     * @throws IOException if writing fails; an existing file is then unchanged
     */
    public static void saveBase(Block root, Path file) throws IOException {
        requireUnmerged(root);
        NamedTensorFiles.write(baseParameters(root), Map.of("format", "pt"), file);
    }

    /**
     * Loads the base weights by name from a safetensors file (such as one written by {@link #saveBase} or a
     * Hugging Face {@code model.safetensors}), strictly and all-or-nothing: every base parameter must be in the
     * file with the same shape and a floating-point dtype, the file must hold nothing else, and every value must
     * be finite. All checks and reads happen before the first parameter is overwritten (in place: parameters
     * keep their identity, so trainers and adapters stay attached). Adapter parameters are not touched.
     *
     * @param root an initialised model with float32 parameters, with or without LoRA layers
     * @param file the safetensors file
     * @throws IllegalStateException if adapters are merged into base weights
     * @throws IllegalArgumentException listing missing and unexpected keys, shape or dtype mismatches, or the
     *     first non-finite value; the model is then unchanged
     * @throws io.github.treelora.io.SafetensorsFormatException if the file is corrupted or truncated
     * @throws IOException if the file cannot be read
     */
    public static void loadBase(Block root, Path file) throws IOException {
        requireUnmerged(root);
        Map<String, Parameter> params = baseParameters(root);
        NamedTensorFiles.requireFloat32(params);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        params.forEach((n, p) -> shapes.put(n, p.getArray().getShape().getShape()));
        Map<String, float[]> values;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            values = NamedTensorFiles.readChecked(f, shapes, "base weights", null);
        }
        values.forEach((n, v) -> params.get(n).getArray().set(v));
    }

    private static void requireUnmerged(Block root) {
        for (ModuleTree.Module m : ModuleTree.modules(root)) {
            if (m.block() instanceof LoraLinear && ((LoraLinear) m.block()).isMerged()) {
                throw new IllegalStateException("adapters are merged into the base weight of " + m.path()
                        + ": unmerge first");
            }
        }
    }
}
