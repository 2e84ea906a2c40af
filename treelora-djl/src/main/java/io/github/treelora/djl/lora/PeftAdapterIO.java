package io.github.treelora.djl.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.models.LoadProblems;
import io.github.treelora.io.AtomicDirectory;
import io.github.treelora.io.SafetensorsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * LoRA adapters in the Hugging Face PEFT directory layout, readable by PEFT's
 * {@code PeftModel.from_pretrained} and written by its {@code save_pretrained}.
 *
 * <p>An adapter directory holds:
 * <ul>
 *   <li>{@value #CONFIG_FILE}: the {@link PeftAdapterConfig} (PEFT's {@code LoraConfig} fields);</li>
 *   <li>{@value #WEIGHTS_FILE}: for every adapted module, {@code base_model.model.<module path>.lora_A.weight}
 *       with shape {@code [r, in]} and {@code base_model.model.<module path>.lora_B.weight} with shape
 *       {@code [out, r]}, float32, and for DoRA adapters ({@code "use_dora": true}) also
 *       {@code base_model.model.<module path>.lora_magnitude_vector} (no {@code .weight}, as PEFT writes it) with
 *       shape {@code [out]}
 *       ({@link LoraTensorNames#peftKey}). The module paths are those of {@link ModuleTree} (Hugging Face names for the
 *       project's models). As in PEFT, keys do not contain the adapter name; PEFT saves a non-default adapter
 *       {@code name} in the sub-directory {@code <dir>/<name>}, and saving each adapter with
 *       {@link #save(LoraModel, String, Path)} into such a directory reproduces that layout.</li>
 * </ul>
 *
 * <p>Loading checks everything before it changes the model: the files exist, the configuration is a supported
 * LoRA or DoRA one ({@link PeftAdapterConfig#fromJson}), the weights file is well formed (not truncated), every key
 * the model needs is present, no key is unexpected (the message lists the closest module names), every shape
 * matches and every value is finite. On any failure the model is unchanged: same parameters, same outputs.
 */
public final class PeftAdapterIO {

    /** The configuration file's name. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The weights file's name. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** The prefix PEFT puts before module paths ({@code PeftModel.base_model} is a {@code LoraModel} whose
     * {@code model} is the wrapped transformer). */
    public static final String KEY_PREFIX = LoraTensorNames.PEFT_PREFIX;

    /** The tensor kinds a PEFT LoRA file can hold for a module. */
    private static final List<String> KINDS = List.of(LoraTensorNames.A, LoraTensorNames.B,
            LoraTensorNames.MAGNITUDE);

    private PeftAdapterIO() {
    }

    /**
     * The file key of a module's A matrix.
     *
     * @param modulePath a dotted module path
     * @return {@code base_model.model.<modulePath>.lora_A.weight}
     */
    public static String keyA(String modulePath) {
        return LoraTensorNames.peftKey(modulePath, LoraTensorNames.A);
    }

    /**
     * The file key of a module's B matrix.
     *
     * @param modulePath a dotted module path
     * @return {@code base_model.model.<modulePath>.lora_B.weight}
     */
    public static String keyB(String modulePath) {
        return LoraTensorNames.peftKey(modulePath, LoraTensorNames.B);
    }

    /**
     * Saves one adapter with no task type or base model name; see
     * {@link #save(LoraModel, String, Path, String, String)}.
     *
     * @param model the model holding the adapter
     * @param adapter the adapter's name
     * @param dir the adapter directory
     * @throws IOException if writing fails
     */
    public static void save(LoraModel model, String adapter, Path dir) throws IOException {
        save(model, adapter, dir, null, null);
    }

    /**
     * Saves one adapter to {@code dir} in PEFT's layout. The configuration is the one the adapter was added with
     * ({@link LoraModel#getConfig}); for an adapter injected without {@link LoraModel} one is derived from its
     * layers (targets: the adapted module paths; rank and alpha of the first layer, others in
     * {@code rank_pattern}/{@code alpha_pattern}).
     *
     * <p>Atomicity: the directory is written as a temporary sibling directory and renamed into place
     * ({@code AtomicDirectory.update}; new files and directories get default permissions, the umask applies). An
     * existing directory is copied into the temporary one first, so the files it holds besides these two (a
     * README, other adapters' sub-directories) are kept, and both files change together: an interruption leaves
     * the previous directory or the new one, never a configuration beside weights it does not describe.
     *
     * @param model the model holding the adapter
     * @param adapter the adapter's name
     * @param dir the adapter directory (created with its parents if absent)
     * @param taskType PEFT's {@code task_type} (for example {@code "FEATURE_EXTRACTION"}), or null
     * @param baseModelNameOrPath PEFT's {@code base_model_name_or_path}, or null
     * @throws IllegalArgumentException for an unknown adapter or non-float32 parameters
     * @throws IOException if writing fails
     */
    public static void save(LoraModel model, String adapter, Path dir, String taskType, String baseModelNameOrPath)
            throws IOException {
        Map<String, LoraLinear> layers = model.layersOf(adapter);
        LoraConfig config = model.getConfig(adapter).orElseGet(() -> derivedConfig(model.getBlock(), adapter, layers));
        String json = new PeftAdapterConfig(config, taskType, baseModelNameOrPath, null, true).toJson();
        Map<String, Parameter> tensors = new LinkedHashMap<>();
        layers.forEach((path, layer) -> layer.getAdapter(adapter).tensors().forEach((kind, p) ->
                tensors.put(LoraTensorNames.peftKey(path, kind), p)));
        NamedTensorFiles.requireFloat32(tensors);
        writeDirectory(dir, json, tensors);
    }

    /**
     * Reads and validates a directory's {@value #CONFIG_FILE}.
     *
     * @param dir an adapter directory
     * @return the configuration
     * @throws NoSuchFileException if the file is missing
     * @throws IllegalArgumentException if it is malformed or unsupported (naming the file and field)
     * @throws IOException if it cannot be read
     */
    public static PeftAdapterConfig readConfig(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "adapter directory " + dir + " has no "
                    + CONFIG_FILE);
        }
        return PeftAdapterConfig.fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * Loads an adapter directory into {@code model} under the name {@code adapter}.
     *
     * <p>If the model has no adapter of that name, it is created from the file's configuration
     * ({@link LoraModel#addAdapter}: trainable, active, other parameters frozen) and then given the file's
     * values. If it exists, its modules and shapes must match the file exactly and its scaling and variant (LoRA or
     * DoRA) must equal the configuration's at every module; only the tensors' values are replaced (in place). A DoRA
     * file must hold every module's magnitude vector (the one PEFT saved: it is not recomputed). Either way nothing
     * changes unless every check passes (see the class comment).
     *
     * @param model the model
     * @param dir the adapter directory
     * @param adapter the adapter's name in the model (PEFT's {@code "default"} is just a name here)
     * @return the adapter's module paths in layer order
     * @throws NoSuchFileException if a file is missing
     * @throws io.github.treelora.io.SafetensorsFormatException if the weights file is corrupted or truncated
     * @throws IllegalArgumentException naming the file and the keys for an unsupported configuration, missing or
     *     unexpected keys, shape mismatches, scaling mismatches or non-finite values
     * @throws IllegalStateException if the model's adapters are merged
     * @throws IOException if a file cannot be read
     */
    public static List<String> load(LoraModel model, Path dir, String adapter) throws IOException {
        Objects.requireNonNull(model, "model");
        LoraLinear.checkAdapterNameFormat(adapter);
        if (model.isMerged()) {
            throw new IllegalStateException("adapters are merged into the base weights: unmerge before loading");
        }
        PeftAdapterConfig peft = readConfig(dir);
        LoraConfig config = peft.lora();
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            String hint = Files.exists(dir.resolve("adapter_model.bin"))
                    ? " (it has adapter_model.bin, a pickle file: only safetensors is supported)" : "";
            throw new NoSuchFileException(weights.toString(), null, "adapter directory " + dir + " has no "
                    + WEIGHTS_FILE + hint);
        }
        Block root = model.getBlock();
        Path configFile = dir.resolve(CONFIG_FILE);
        boolean exists = model.adapterNames().contains(adapter);
        // module path -> tensor kind -> shape
        Map<String, Map<String, long[]>> shapes = new LinkedHashMap<>();
        if (exists) {
            List<String> wrongScaling = new ArrayList<>();
            List<String> wrongVariant = new ArrayList<>();
            model.layersOf(adapter).forEach((path, layer) -> {
                LoraAdapter ad = layer.getAdapter(adapter);
                Map<String, long[]> here = new LinkedHashMap<>();
                ad.tensors().forEach((kind, p) -> here.put(kind, p.getArray().getShape().getShape()));
                shapes.put(path, here);
                AdapterSpec want = config.specFor(path);
                double have = ad.spec().scaling();
                if (Math.abs(want.scaling() - have) > 1e-12 * Math.max(Math.abs(want.scaling()), Math.abs(have))) {
                    wrongScaling.add(path + ": model " + have + ", file " + want.scaling());
                }
                if (want.variant() != ad.spec().variant()) {
                    wrongVariant.add(path + ": model " + ad.spec().variant() + ", file " + want.variant());
                }
            });
            String into = "cannot load adapter from " + dir + " into existing adapter \"" + adapter
                    + "\"; the model is unchanged: ";
            if (!wrongVariant.isEmpty()) {
                throw new IllegalArgumentException(into + configFile + " has \"use_dora\": " + config.useDora()
                        + ", the adapter's variant differs at " + LoadProblems.listed(wrongVariant));
            }
            if (!wrongScaling.isEmpty()) {
                throw new IllegalArgumentException(into + "its scaling (alpha / r) differs from the file's "
                        + "configuration at " + LoadProblems.listed(wrongScaling));
            }
        } else {
            for (ModuleTree.Module m : ModuleTree.modules(root)) {
                if (!config.isTargeted(m.path())) {
                    continue;
                }
                long[] w;
                if (m.block() instanceof LoraLinear) {
                    LoraLinear l = (LoraLinear) m.block();
                    w = new long[] {l.getOutFeatures(), l.getInFeatures()};
                } else if (LoraLinear.isWrappable(m.block())) {
                    w = LoraLinear.weightOf(m.block()).getArray().getShape().getShape();
                } else {
                    continue; // the injector reports targeted modules that are not linear layers
                }
                shapes.put(m.path(), LoraAdapter.tensorShapes(config.specFor(m.path()), w[0], w[1]));
            }
        }
        Map<String, long[]> expected = new LinkedHashMap<>();
        shapes.forEach((path, kinds) -> kinds.forEach((kind, shape) ->
                expected.put(LoraTensorNames.peftKey(path, kind), shape)));
        List<String> linearPaths = new ArrayList<>();
        for (ModuleTree.Module m : ModuleTree.modules(root)) {
            if (m.block() instanceof LoraLinear || LoraLinear.isWrappable(m.block())) {
                linearPaths.add(m.path());
            }
        }
        Map<String, float[]> values;
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            if (config.useDora()) {
                List<String> missing = new ArrayList<>();
                for (String path : shapes.keySet()) {
                    String key = LoraTensorNames.peftKey(path, LoraTensorNames.MAGNITUDE);
                    if (!file.contains(key)) {
                        missing.add(key);
                    }
                }
                if (!missing.isEmpty()) {
                    throw new IllegalArgumentException("cannot load adapter \"" + adapter + "\" from " + weights
                            + "; the model is unchanged: " + configFile + " has \"use_dora\": true, but the file "
                            + "lacks DoRA magnitude vectors: missing keys " + LoadProblems.listed(missing));
                }
            }
            values = NamedTensorFiles.readChecked(file, expected, "adapter \"" + adapter + "\"",
                    key -> unexpectedKeyHint(key, config.useDora(), linearPaths, shapes.keySet()));
        }
        // Every check passed: from here on the model changes.
        List<String> paths = exists ? model.modulePaths(adapter) : model.addAdapter(adapter, config);
        Map<String, LoraLinear> layers = model.layersOf(adapter);
        for (String path : paths) {
            layers.get(path).getAdapter(adapter).tensors().forEach((kind, p) ->
                    p.getArray().set(values.get(LoraTensorNames.peftKey(path, kind))));
        }
        return paths;
    }

    /** Why a key is unexpected, with the closest module names. */
    private static String unexpectedKeyHint(String key, boolean dora, List<String> linearPaths,
            java.util.Set<String> adapted) {
        if (!key.startsWith(KEY_PREFIX)) {
            return "PEFT keys start with \"" + KEY_PREFIX + "\"";
        }
        String module = LoraTensorNames.peftModulePath(key, KINDS);
        if (module == null && key.matches(".*\\.(lora_[AB]\\.[^.]+\\.weight|lora_magnitude_vector\\.[^.]+\\.weight)")) {
            return "PEFT files name LoRA keys without the adapter name: <module>.lora_A.weight";
        } else if (module == null) {
            return "not a LoRA A or B matrix or DoRA magnitude (expected <module>.lora_A.weight, "
                    + "<module>.lora_B.weight or <module>.lora_magnitude_vector; biases and modules_to_save "
                    + "are not supported)";
        } else if (!dora && key.endsWith("." + LoraTensorNames.MAGNITUDE)) {
            return "a DoRA magnitude vector, but " + CONFIG_FILE + " has \"use_dora\": false";
        }
        if (linearPaths.contains(module)) {
            return "module " + module + " exists but the configuration does not target it (adapted: "
                    + adapted.size() + " modules)";
        }
        return "no module " + module + "; closest modules: " + LoraInjector.closest(module, linearPaths, 3);
    }

    /** A configuration that targets exactly the adapter's modules with its per-module rank and alpha. */
    private static LoraConfig derivedConfig(Block root, String adapter, Map<String, LoraLinear> layers) {
        List<String> paths = new ArrayList<>(layers.keySet());
        LoraLinear first = layers.get(paths.get(0));
        int rank = first.getRank(adapter);
        double alpha = first.getAlpha(adapter);
        AdapterSpec spec = first.getSpec(adapter);
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        layers.forEach((path, layer) -> {
            if (layer.getRank(adapter) != rank) {
                rankPattern.put(path, layer.getRank(adapter));
            }
            if (layer.getAlpha(adapter) != alpha) {
                alphaPattern.put(path, layer.getAlpha(adapter));
            }
        });
        LoraConfig.Builder b = LoraConfig.builder().rank(rank).alpha(alpha).dropout(first.getDropout(adapter))
                .useRsLora(spec.useRsLora()).variant(spec.variant()).rankPattern(rankPattern)
                .alphaPattern(alphaPattern).targetModules(paths);
        LoraConfig config = b.build();
        if (!targets(root, config).equals(paths)) {
            // A full path that is also the suffix of another module's path: fall back to an exact regex.
            config = b.targetRegex(String.join("|", paths.stream()
                    .map(p -> p.replace(".", "\\.")).toList())).build();
        }
        return config;
    }

    private static List<String> targets(Block root, LoraConfig config) {
        List<String> out = new ArrayList<>();
        for (ModuleTree.Module m : ModuleTree.modules(root)) {
            if (config.isTargeted(m.path())) {
                out.add(m.path());
            }
        }
        return out;
    }

    private static void writeDirectory(Path dir, String configJson, Map<String, Parameter> tensors)
            throws IOException {
        // Both files change together, and what else the directory holds (a README, other adapters' sub-directories)
        // is kept.
        AtomicDirectory.update(dir, tmp -> {
            // Temporary files of an earlier write that was killed are abandoned: one writer per directory at a time.
            try (DirectoryStream<Path> stale = Files.newDirectoryStream(tmp,
                    p -> isTemporary(p.getFileName().toString()))) {
                for (Path p : stale) {
                    Files.delete(p);
                }
            }
            NamedTensorFiles.write(tensors, Map.of("format", "pt"), tmp.resolve(WEIGHTS_FILE));
            Files.writeString(tmp.resolve(CONFIG_FILE), configJson, StandardCharsets.UTF_8);
        });
    }

    /** The temporary files that writes of earlier versions and the safetensors writer left next to the two files. */
    private static boolean isTemporary(String name) {
        return name.startsWith(".") && name.endsWith(".tmp")
                && (name.contains(WEIGHTS_FILE + ".") || name.contains(CONFIG_FILE + "."));
    }
}
