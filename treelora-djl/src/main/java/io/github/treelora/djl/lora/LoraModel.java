package io.github.treelora.djl.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A block tree with named LoRA adapters (PEFT's {@code PeftModel} / {@code LoraModel} in spirit).
 *
 * <p>The adapters live in the tree's {@link LoraLinear} layers; this wrapper only adds model-wide operations
 * and remembers each adapter's {@link LoraConfig}. Every view is computed from the tree, so adapters injected
 * with {@link LoraInjector} directly are seen too. The wrapped block is modified in place and is still the
 * block to train and run ({@link #getBlock()}).
 *
 * <p>Typical continual-learning use (O-LoRA style): {@code addAdapter("task0", cfg)}, train,
 * {@code freezeAdapter("task0")}, {@code addAdapter("task1", cfg)} (task0 stays active and frozen), train
 * task1 only. Unlike PEFT's {@code set_adapter}, activating adapters does not change which ones are
 * trainable: activation and freezing are independent.
 *
 * <p>Layer order: {@link #modulePaths(String)}, {@link #loraA(String)} and {@link #loraB(String)} list
 * modules in the walk order of {@link ModuleTree} (input to output for the project's models): TreeLoRA's
 * layer index l is the position in these lists.
 */
public final class LoraModel {

    private final Block root;
    private final Map<String, LoraConfig> configs = new LinkedHashMap<>();

    /**
     * Wraps a block tree (typically already initialised, with or without adapters).
     *
     * @param root the model's top block
     */
    public LoraModel(Block root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /**
     * The wrapped block: train and run this one.
     *
     * @return the root block, with LoRA layers in place
     */
    public Block getBlock() {
        return root;
    }

    /**
     * Injects a new adapter; see {@link LoraInjector#inject}. It is trainable and joins the active set;
     * adapters that were active stay active (and frozen ones stay frozen). All non-adapter parameters of the
     * model are frozen, as in PEFT.
     *
     * @param name new adapter name
     * @param config targets and hyper-parameters
     * @return adapted module paths in layer order
     * @throws IllegalArgumentException on bad targets or a duplicate name (the model is unchanged)
     */
    public List<String> addAdapter(String name, LoraConfig config) {
        List<String> paths = LoraInjector.inject(root, name, config);
        configs.put(name, config);
        return paths;
    }

    /**
     * Saves an adapter in the Hugging Face PEFT layout ({@code adapter_config.json} and
     * {@code adapter_model.safetensors}); see {@link PeftAdapterIO#save(LoraModel, String, Path)}.
     *
     * @param name an existing adapter
     * @param dir the adapter directory
     * @throws IOException if writing fails
     */
    public void saveAdapter(String name, Path dir) throws IOException {
        PeftAdapterIO.save(this, name, dir);
    }

    /**
     * Loads a PEFT adapter directory as adapter {@code name}, creating it from the file's configuration if the
     * model lacks it; all-or-nothing, see {@link PeftAdapterIO#load(LoraModel, Path, String)}.
     *
     * @param dir the adapter directory
     * @param name the adapter's name in this model
     * @return the adapter's module paths in layer order
     * @throws IOException if a file is missing, corrupted or unreadable
     */
    public List<String> loadAdapter(Path dir, String name) throws IOException {
        return PeftAdapterIO.load(this, dir, name);
    }

    /**
     * The configuration an adapter was added with through this wrapper.
     *
     * @param name adapter name
     * @return the config, or empty for adapters injected without this wrapper
     */
    public Optional<LoraConfig> getConfig(String name) {
        requireAdapter(name);
        return Optional.ofNullable(configs.get(name));
    }

    /**
     * All LoRA layers by path, in layer order.
     *
     * @return path to layer
     */
    public Map<String, LoraLinear> loraLayers() {
        Map<String, LoraLinear> layers = new LinkedHashMap<>();
        for (ModuleTree.Module m : ModuleTree.modules(root)) {
            if (m.block() instanceof LoraLinear) {
                layers.put(m.path(), (LoraLinear) m.block());
            }
        }
        return layers;
    }

    /**
     * Adapter names in the model, in the order they were added.
     *
     * @return names
     */
    public List<String> adapterNames() {
        Set<String> names = new LinkedHashSet<>(configs.keySet());
        for (LoraLinear layer : loraLayers().values()) {
            names.addAll(layer.getAdapterNames());
        }
        names.removeIf(n -> !present(n));
        return List.copyOf(names);
    }

    /**
     * Adapters active in at least one layer, in adapter order.
     *
     * @return names
     */
    public List<String> activeAdapters() {
        Set<String> active = new LinkedHashSet<>();
        for (LoraLinear layer : loraLayers().values()) {
            active.addAll(layer.getActiveAdapters());
        }
        List<String> ordered = new ArrayList<>();
        for (String n : adapterNames()) {
            if (active.contains(n)) {
                ordered.add(n);
            }
        }
        return ordered;
    }

    /**
     * The modules that carry adapter {@code name}, in layer order.
     *
     * @param name an existing adapter
     * @return dotted paths
     */
    public List<String> modulePaths(String name) {
        return List.copyOf(layersOf(name).keySet());
    }

    /**
     * The adapter's A parameters ({@code [r, in]}) by module path, in layer order (for the TreeLoRA gradient
     * hook and adapter files).
     *
     * @param name an existing adapter
     * @return path to A
     */
    public Map<String, Parameter> loraA(String name) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        layersOf(name).forEach((path, layer) -> out.put(path, layer.getLoraA(name)));
        return out;
    }

    /**
     * The adapter's B parameters ({@code [out, r]}) by module path, in layer order.
     *
     * @param name an existing adapter
     * @return path to B
     */
    public Map<String, Parameter> loraB(String name) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        layersOf(name).forEach((path, layer) -> out.put(path, layer.getLoraB(name)));
        return out;
    }

    /**
     * The adapter's LoRA layers by module path, in layer order (rank, scaling and parameters per module).
     *
     * @param name an existing adapter
     * @return path to layer
     */
    public Map<String, LoraLinear> layersOf(String name) {
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        loraLayers().forEach((path, layer) -> {
            if (layer.hasAdapter(name)) {
                out.put(path, layer);
            }
        });
        if (out.isEmpty()) {
            throw unknown(name);
        }
        return out;
    }

    /**
     * Sets the active adapters in every layer (a layer without one of them just skips it).
     *
     * @param names existing adapters; none means base-model outputs
     * @throws IllegalArgumentException for an unknown name (nothing changes)
     * @throws IllegalStateException while merged (nothing changes)
     */
    public void setActiveAdapters(String... names) {
        setActiveAdapters(List.of(names));
    }

    /**
     * Sets the active adapters in every layer (a layer without one of them just skips it).
     *
     * @param names existing adapters; empty means base-model outputs
     * @throws IllegalArgumentException for an unknown name (nothing changes)
     * @throws IllegalStateException while merged (nothing changes)
     */
    public void setActiveAdapters(Collection<String> names) {
        for (String n : names) {
            requireAdapter(n);
        }
        requireUnmerged();
        for (LoraLinear layer : loraLayers().values()) {
            List<String> here = new ArrayList<>();
            for (String n : names) {
                if (layer.hasAdapter(n)) {
                    here.add(n);
                }
            }
            layer.setActiveAdapters(here);
        }
    }

    /**
     * The active adapters of every LoRA layer, in each layer's order (the order in which the layer adds their
     * outputs, which matters bitwise). Pass the result to {@link #setActiveAdaptersByLayer} to restore it.
     *
     * @return module path to that layer's active adapters
     */
    public Map<String, List<String>> activeAdaptersByLayer() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Map.Entry<String, LoraLinear> e : loraLayers().entrySet()) {
            m.put(e.getKey(), List.copyOf(e.getValue().getActiveAdapters()));
        }
        return m;
    }

    /**
     * Sets every LoRA layer's active adapters, as {@link #activeAdaptersByLayer} returned them; a layer missing
     * from the map gets none.
     *
     * @param sets module path to active adapters, in order
     */
    public void setActiveAdaptersByLayer(Map<String, List<String>> sets) {
        for (Map.Entry<String, LoraLinear> e : loraLayers().entrySet()) {
            e.getValue().setActiveAdapters(sets.getOrDefault(e.getKey(), List.of()));
        }
    }

    /**
     * Freezes an adapter everywhere: it keeps contributing when active but is no longer trained.
     *
     * @param name an existing adapter
     */
    public void freezeAdapter(String name) {
        layersOf(name).values().forEach(l -> l.freezeAdapter(name, true));
    }

    /**
     * Makes an adapter trainable again everywhere.
     *
     * @param name an existing adapter
     */
    public void unfreezeAdapter(String name) {
        layersOf(name).values().forEach(l -> l.freezeAdapter(name, false));
    }

    /**
     * Removes an adapter from every layer and closes its arrays. The {@link LoraLinear} wrappers stay in place
     * (possibly with no adapter, then computing the base layer only).
     *
     * @param name an existing adapter
     * @throws IllegalStateException while merged (nothing changes)
     */
    public void deleteAdapter(String name) {
        Map<String, LoraLinear> layers = layersOf(name);
        requireUnmerged();
        layers.values().forEach(l -> l.deleteAdapter(name));
        configs.remove(name);
    }

    /**
     * Enables or disables all adapters (disabled: base-model outputs), keeping the active sets.
     *
     * @param enabled false for base-model outputs
     * @throws IllegalStateException while merged
     */
    public void setAdaptersEnabled(boolean enabled) {
        requireUnmerged();
        loraLayers().values().forEach(l -> l.setAdaptersEnabled(enabled));
    }

    /** Merges the active adapters into the base weights of every layer; see {@link LoraLinear#merge()}. */
    public void merge() {
        loraLayers().values().forEach(LoraLinear::merge);
    }

    /** Undoes {@link #merge()} in every layer. */
    public void unmerge() {
        loraLayers().values().forEach(LoraLinear::unmerge);
    }

    /**
     * Whether any layer is merged.
     *
     * @return true between {@link #merge()} and {@link #unmerge()}
     */
    public boolean isMerged() {
        return loraLayers().values().stream().anyMatch(LoraLinear::isMerged);
    }

    /**
     * The adapter parameters that an optimizer updates (A, B and the variant's own tensors, such as DoRA's
     * magnitude, of every unfrozen adapter), in layer order.
     *
     * @return trainable LoRA parameters
     */
    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        for (LoraLinear layer : loraLayers().values()) {
            for (String n : layer.getAdapterNames()) {
                if (!layer.isAdapterFrozen(n)) {
                    out.addAll(layer.getAdapter(n).tensors().values());
                }
            }
        }
        return out;
    }

    private boolean present(String name) {
        for (LoraLinear layer : loraLayers().values()) {
            if (layer.hasAdapter(name)) {
                return true;
            }
        }
        return false;
    }

    private void requireAdapter(String name) {
        if (!present(name)) {
            throw unknown(name);
        }
    }

    private IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown adapter \"" + name + "\"; the model has " + adapterNames());
    }

    private void requireUnmerged() {
        if (isMerged()) {
            throw new IllegalStateException("adapters are merged into the base weights: unmerge first");
        }
    }
}
