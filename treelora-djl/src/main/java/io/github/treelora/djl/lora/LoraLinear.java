package io.github.treelora.djl.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.SelfNamedParameters;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A linear layer with named LoRA adapters: {@code y = x W^T + b + sum_active s_i * dropout_i(x) A_i^T B_i^T}
 * with {@code A_i [r_i, in]}, {@code B_i [out, r_i]} and {@code s_i = alpha_i / r_i} for plain LoRA. Each adapter
 * has an {@link AdapterSpec} (rank, alpha, dropout, init, rsLoRA, variant); its {@link LoraVariant} computes its
 * contribution ({@link PlainLora} as above, {@link Dora} with a magnitude vector), in the order of the active set.
 *
 * <p>The base layer (a DJL {@link Linear} or a {@link LinearModule}) is kept as the child {@code base} and
 * runs unchanged; its weight and bias are frozen with {@link Parameter#freeze(boolean)}, so DJL's trainer
 * and optimizers never update them. Inputs may have any rank {@code [..., in]} (2-D {@code [batch, in]} and
 * 3-D {@code [batch, seq, in]} are the usual cases); float32 and float64 are supported (the adapters take the
 * base weight's data type), and a float16 base weight with float32 inputs (the base layer widens it, see
 * {@code WideningLinear}; the adapters are then float32).
 *
 * <p>Adapter parameters are direct parameters of this block named {@code lora_A.<adapter>},
 * {@code lora_B.<adapter>} and, for a variant's own tensors, {@code <kind>.<adapter>} ({@link LoraTensorNames});
 * they live in the base weight's {@link NDManager} and on its device.
 *
 * <p>Why this extends {@link Linear}: DJL's built-in blocks (for example
 * {@code ScaledDotProductAttentionBlock}) keep their projections in fields typed {@code Linear}, so only a
 * {@code Linear} can stand in for them. The weight and bias that {@code Linear}'s constructor creates are
 * unregistered here and never used; everything that touches parameters is overridden.
 *
 * <p>Numerics: the scaling factor enters the graph as an array created in the input's manager, never as a
 * Java number (a Java scalar inside a recorded graph can be freed before backward reads it), and every
 * intermediate result is created from the input, so it belongs to the caller's per-step manager.
 *
 * <p>Not thread-safe: adapter management must not run concurrently with a forward pass.
 */
public class LoraLinear extends Linear implements SelfNamedParameters {

    private static final Pattern ADAPTER_NAME = Pattern.compile("[A-Za-z0-9_\\-]+");

    private final Block base;
    private final Parameter baseWeight;
    private final Parameter baseBias;
    private final long inFeatures;
    private final long outFeatures;
    private final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
    private final List<String> active = new ArrayList<>();
    private final List<String> merged = new ArrayList<>();
    /** What each merged adapter's variant needs to unmerge (null values allowed), owned by mergeManager. */
    private final Map<String, NDArray> mergeStates = new HashMap<>();
    private NDManager mergeManager;
    private boolean enabled = true;
    /** Registered input observers, in registration order. */
    private final List<InputObserverHandle> inputObservers = new ArrayList<>();

    /**
     * Wraps an initialised linear layer and freezes its weight and bias. No adapter is added yet.
     *
     * @param base a DJL {@link Linear} or a {@link LinearModule} whose weight is initialised
     * @throws IllegalArgumentException if {@code base} is not a linear layer, is already a {@code LoraLinear},
     *     is not initialised, or has a weight that is not 2-D or a bias that does not match it
     */
    public LoraLinear(Block base) {
        super(Linear.builder().setUnits(checkedWeight(base).getArray().getShape().get(0)).optBias(false));
        // Linear's constructor registered its own (never used) weight: drop it so that getParameters(),
        // the trainer and initialisation only see the base layer's and the adapters' parameters.
        parameters.clear();
        this.base = base;
        this.baseWeight = checkedWeight(base);
        this.baseBias = biasOf(base);
        checkWrappable(base);
        Shape w = baseWeight.getArray().getShape();
        this.outFeatures = w.get(0);
        this.inFeatures = w.get(1);
        addChildBlock("base", base);
        baseWeight.freeze(true);
        if (baseBias != null) {
            baseBias.freeze(true);
        }
    }

    /**
     * Whether LoRA can wrap {@code block}: a DJL {@link Linear} (not already a {@code LoraLinear}) or a
     * {@link LinearModule}.
     *
     * @param block any block
     * @return true if {@code new LoraLinear(block)} accepts its type
     */
    public static boolean isWrappable(Block block) {
        return block instanceof LinearModule || (block instanceof Linear && !(block instanceof LoraLinear));
    }

    /**
     * Checks, without changing anything, that {@code new LoraLinear(base)} would succeed.
     *
     * @param base a candidate base layer
     * @throws IllegalArgumentException with the reason when it would not
     */
    public static void checkWrappable(Block base) {
        checkedWeight(base);
        Parameter bias = biasOf(base);
        long out = checkedWeight(base).getArray().getShape().get(0);
        if (bias != null && (!bias.isInitialized() || !bias.getArray().getShape().equals(new Shape(out)))) {
            throw new IllegalArgumentException("bias of " + base.getClass().getSimpleName() + " must be an "
                    + "initialised array of shape (" + out + ")");
        }
    }

    /** The weight of a wrappable block, checked as in {@link #checkWrappable}. */
    static Parameter weightOf(Block base) {
        return checkedWeight(base);
    }

    private static Parameter checkedWeight(Block base) {
        Objects.requireNonNull(base, "base");
        if (!isWrappable(base)) {
            throw new IllegalArgumentException(base.getClass().getName() + " is not a linear layer"
                    + (base instanceof LoraLinear ? " (it is already a LoraLinear: add adapters to it instead)"
                    : " (expected ai.djl.nn.core.Linear or a LinearModule)"));
        }
        Parameter w = base instanceof LinearModule
                ? ((LinearModule) base).getWeight()
                : base.getDirectParameters().get("weight");
        if (w == null || !w.isInitialized()) {
            throw new IllegalArgumentException("the weight of " + base.getClass().getSimpleName()
                    + " is not initialised: initialise the model (block.initialize) before adding LoRA");
        }
        if (w.getArray().getShape().dimension() != 2) {
            throw new IllegalArgumentException("linear weight must be 2-D [out, in], got "
                    + w.getArray().getShape());
        }
        return w;
    }

    /** The bias of a wrappable block, or null. */
    static Parameter biasOf(Block base) {
        return base instanceof LinearModule
                ? ((LinearModule) base).getBias()
                : base.getDirectParameters().get("bias");
    }

    /**
     * Adds an adapter with the values a configuration gives for one module (rank/alpha patterns applied).
     *
     * @param name adapter name (letters, digits, {@code _} and {@code -})
     * @param config the adapter configuration
     * @param modulePath this layer's dotted path, used to look up rank and alpha patterns
     * @see #addAdapter(String, AdapterSpec)
     */
    public void addAdapter(String name, LoraConfig config, String modulePath) {
        addAdapter(name, config.specFor(modulePath));
    }

    /**
     * Adds a trainable plain-LoRA adapter; see {@link #addAdapter(String, AdapterSpec)}.
     *
     * @param name adapter name (letters, digits, {@code _} and {@code -})
     * @param rank r, at least 1
     * @param alpha LoRA alpha, greater than 0
     * @param dropout dropout probability on the adapter's input during training, in [0, 1)
     * @param init how A is initialised
     * @param useRsLora scale by {@code alpha / sqrt(r)} instead of {@code alpha / r}
     * @throws IllegalArgumentException on a bad name, a duplicate name or an invalid value
     * @throws IllegalStateException while adapters are merged
     */
    public void addAdapter(String name, int rank, double alpha, double dropout, LoraInit init, boolean useRsLora) {
        checkNewAdapterName(name);
        addAdapter(name, AdapterSpec.lora(rank, alpha, dropout, init, useRsLora));
    }

    /**
     * Adds a trainable adapter and appends it to the active set (adapters already active stay active).
     * B starts at zero, and the variant's own tensors start at values that keep the output unchanged (DoRA's
     * magnitude is the norm of the weight's rows), so the layer's output is unchanged until the adapter is trained.
     *
     * @param name adapter name (letters, digits, {@code _} and {@code -})
     * @param spec rank, alpha, dropout, init, rsLoRA and variant
     * @throws IllegalArgumentException on a bad or duplicate name
     * @throws IllegalStateException while adapters are merged
     */
    public void addAdapter(String name, AdapterSpec spec) {
        checkNewAdapterName(name);
        Objects.requireNonNull(spec, "spec");
        requireUnmerged("add adapter " + name);
        NDArray w = baseWeight.getArray();
        NDManager manager = w.getManager();
        // Adapters of a half-precision base weight (WeightStorage.FLOAT16) are float32, like the activations.
        DataType dtype = w.getDataType() == DataType.FLOAT16 ? DataType.FLOAT32 : w.getDataType();
        Device device = w.getDevice();
        Shape aShape = new Shape(spec.rank(), inFeatures);
        NDArray aArray;
        if (spec.init() == LoraInit.KAIMING_UNIFORM) {
            // kaiming_uniform_(a=sqrt(5)): gain sqrt(2/(1+5)), bound = gain*sqrt(3/fan_in) = 1/sqrt(fan_in)
            float bound = (float) (1.0 / Math.sqrt(inFeatures));
            aArray = manager.randomUniform(-bound, bound, aShape, dtype, device);
        } else {
            aArray = manager.randomNormal(0f, 1f / spec.rank(), aShape, dtype, device);
        }
        NDArray bArray = manager.zeros(new Shape(outFeatures, spec.rank()), dtype, device);
        Map<String, Parameter> tensors = new LinkedHashMap<>();
        tensors.put(LoraTensorNames.A, newParameter(LoraTensorNames.A, name, aArray));
        tensors.put(LoraTensorNames.B, newParameter(LoraTensorNames.B, name, bArray));
        Map<String, NDArray> extras = spec.variant().initExtraTensors(this, new LoraAdapter(name, spec, tensors),
                manager);
        for (String kind : spec.variant().extraTensorShapes(outFeatures, inFeatures).keySet()) {
            tensors.put(kind, newParameter(kind, name, extras.get(kind)));
        }
        tensors.values().forEach(this::addParameter);
        adapters.put(name, new LoraAdapter(name, spec, tensors));
        active.add(name);
    }

    private static Parameter newParameter(String kind, String adapter, NDArray value) {
        Parameter p = Parameter.builder().setName(LoraTensorNames.parameterName(kind, adapter))
                .setType(Parameter.Type.WEIGHT).optArray(value).build();
        p.freeze(false);
        return p;
    }

    /**
     * Checks that an adapter name is well formed: non-empty letters, digits, {@code _} or {@code -}
     * (it becomes part of parameter names such as {@code lora_A.<name>}).
     *
     * @param name the proposed adapter name
     * @throws IllegalArgumentException if it is malformed
     */
    public static void checkAdapterNameFormat(String name) {
        if (name == null || !ADAPTER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("adapter name must be non-empty letters, digits, '_' or '-', got: "
                    + (name == null ? "null" : "\"" + name + "\""));
        }
    }

    /**
     * Checks that {@code name} is a valid, unused adapter name, without changing anything.
     *
     * @param name the proposed adapter name
     * @throws IllegalArgumentException if the name is malformed or already used in this layer
     */
    public void checkNewAdapterName(String name) {
        checkAdapterNameFormat(name);
        if (adapters.containsKey(name)) {
            throw new IllegalArgumentException("duplicate adapter name \"" + name + "\": this layer already has "
                    + "adapters " + adapters.keySet());
        }
    }

    /**
     * Removes an adapter and closes its arrays; it also leaves the active set. Optimizer state that a trainer
     * keeps for the removed parameters is not released (DJL offers no API for that).
     *
     * @param name an existing adapter
     * @throws IllegalArgumentException if the adapter does not exist
     * @throws IllegalStateException if the adapter is currently merged into the base weight
     */
    public void deleteAdapter(String name) {
        LoraAdapter ad = adapter(name);
        if (merged.contains(name)) {
            throw new IllegalStateException("adapter " + name + " is merged into the base weight: unmerge first");
        }
        adapters.remove(name);
        active.remove(name);
        for (Parameter p : ad.tensors().values()) {
            parameters.remove(p.getName());
            p.close();
        }
    }

    /**
     * Freezes or unfreezes all of one adapter's tensors ({@link Parameter#freeze(boolean)}); a frozen adapter still
     * contributes to the output when active, but optimizers do not update it.
     *
     * @param name an existing adapter
     * @param frozen true to freeze, false to make trainable again
     */
    public void freezeAdapter(String name, boolean frozen) {
        adapter(name).tensors().values().forEach(p -> p.freeze(frozen));
    }

    /**
     * Whether an adapter is frozen.
     *
     * @param name an existing adapter
     * @return true if its A (and B) do not require gradients
     */
    public boolean isAdapterFrozen(String name) {
        return !adapter(name).a().requiresGradient();
    }

    /**
     * Sets which adapters contribute to the output, in the given order.
     *
     * @param names existing adapter names; may be empty (base layer only)
     * @throws IllegalArgumentException if a name does not exist (the active set is then unchanged)
     * @throws IllegalStateException while adapters are merged
     */
    public void setActiveAdapters(Collection<String> names) {
        LinkedHashSet<String> unique = new LinkedHashSet<>(names);
        for (String n : unique) {
            adapter(n);
        }
        requireUnmerged("change the active adapters");
        active.clear();
        active.addAll(unique);
    }

    /**
     * The active adapters, in the order they were activated.
     *
     * @return an unmodifiable copy
     */
    public List<String> getActiveAdapters() {
        return List.copyOf(active);
    }

    /**
     * All adapters of this layer in the order they were added.
     *
     * @return an unmodifiable copy
     */
    public List<String> getAdapterNames() {
        return List.copyOf(adapters.keySet());
    }

    /**
     * Whether this layer has an adapter named {@code name}.
     *
     * @param name adapter name
     * @return true if present
     */
    public boolean hasAdapter(String name) {
        return adapters.containsKey(name);
    }

    /**
     * Turns all adapters on or off without changing the active set (off: the output is the base layer's).
     *
     * @param enabled false for base-only outputs
     * @throws IllegalStateException while adapters are merged
     */
    public void setAdaptersEnabled(boolean enabled) {
        requireUnmerged("enable or disable adapters");
        this.enabled = enabled;
    }

    /**
     * Whether adapters are enabled.
     *
     * @return false after {@code setAdaptersEnabled(false)}
     */
    public boolean isAdaptersEnabled() {
        return enabled;
    }

    /**
     * Merges every active adapter into the base weight, in the active order (plain LoRA: {@code W += s B A}; DoRA:
     * see {@link Dora}), so the forward pass costs one matmul. While merged the active set cannot change; call
     * {@link #unmerge()} to undo. Does nothing when adapters are disabled or already merged. Do not train while
     * merged.
     */
    public void merge() {
        if (!enabled || !merged.isEmpty() || active.isEmpty()) {
            return;
        }
        NDArray w = baseWeight.getArray();
        mergeManager = w.getManager().newSubManager();
        try (NDManager tmp = w.getManager().newSubManager()) {
            NDArray unmergedWeight = null;
            if (active.stream().anyMatch(n -> adapters.get(n).spec().variant().mergeNeedsUnmergedWeight())) {
                NDArray detached = w.stopGradient();
                detached.attach(tmp);
                unmergedWeight = detached.duplicate();
            }
            for (String name : active) {
                LoraAdapter ad = adapters.get(name);
                try (NDManager step = tmp.newSubManager()) {
                    // Detached copies keep the update out of any autograd graph; temporaries die with step.
                    mergeStates.put(name, ad.spec().variant().merge(ad, w, unmergedWeight, mergeManager, step));
                }
                merged.add(name);
            }
        }
    }

    /**
     * Undoes what {@link #merge()} did, restoring the base weight up to float rounding.
     */
    public void unmerge() {
        NDArray w = baseWeight.getArray();
        for (int i = merged.size() - 1; i >= 0; i--) {
            LoraAdapter ad = adapters.get(merged.get(i));
            try (NDManager tmp = w.getManager().newSubManager()) {
                ad.spec().variant().unmerge(ad, w, mergeStates.get(ad.name()), tmp);
            }
        }
        merged.clear();
        mergeStates.clear();
        if (mergeManager != null) {
            mergeManager.close();
            mergeManager = null;
        }
    }

    /**
     * Whether adapters are merged into the base weight.
     *
     * @return true between {@link #merge()} and {@link #unmerge()}
     */
    public boolean isMerged() {
        return !merged.isEmpty();
    }

    /**
     * The adapter's down-projection A, shape {@code [r, in]}.
     *
     * @param name an existing adapter
     * @return its parameter
     */
    public Parameter getLoraA(String name) {
        return adapter(name).a();
    }

    /**
     * The adapter's up-projection B, shape {@code [out, r]}.
     *
     * @param name an existing adapter
     * @return its parameter
     */
    public Parameter getLoraB(String name) {
        return adapter(name).b();
    }

    /**
     * The adapter's rank r.
     *
     * @param name an existing adapter
     * @return r
     */
    public int getRank(String name) {
        return adapter(name).spec().rank();
    }

    /**
     * The adapter's alpha.
     *
     * @param name an existing adapter
     * @return alpha
     */
    public double getAlpha(String name) {
        return adapter(name).spec().alpha();
    }

    /**
     * The adapter's scaling s ({@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA).
     *
     * @param name an existing adapter
     * @return s
     */
    public double getScaling(String name) {
        return adapter(name).spec().scaling();
    }

    /**
     * The adapter's dropout probability.
     *
     * @param name an existing adapter
     * @return dropout in [0, 1)
     */
    public double getDropout(String name) {
        return (float) adapter(name).spec().dropout();
    }

    /**
     * The adapter's spec: rank, alpha, dropout, init, rsLoRA and variant.
     *
     * @param name an existing adapter
     * @return its spec
     */
    public AdapterSpec getSpec(String name) {
        return adapter(name).spec();
    }

    /**
     * The adapter: its spec and all its tensors.
     *
     * @param name an existing adapter
     * @return the adapter
     */
    public LoraAdapter getAdapter(String name) {
        return adapter(name);
    }

    /**
     * The wrapped base layer.
     *
     * @return the block that computes {@code x W^T + b}
     */
    public Block getBase() {
        return base;
    }

    /**
     * The base layer's (frozen) weight, shape {@code [out, in]}.
     *
     * @return weight parameter
     */
    public Parameter getBaseWeight() {
        return baseWeight;
    }

    /**
     * The base layer's (frozen) bias, or {@code null}.
     *
     * @return bias parameter or null
     */
    public Parameter getBaseBias() {
        return baseBias;
    }

    /**
     * This layer's parameters under state-dict names relative to its module path, the names that
     * {@link LoraStateDict} uses: the base layer's weight and bias as {@code weight} and {@code bias} (the names
     * they had before the layer was wrapped, so a base checkpoint loads whether or not LoRA is injected), then
     * for each adapter, in the order added, {@code lora_A.<adapter>.weight}, {@code lora_B.<adapter>.weight} and
     * the variant's own tensors such as {@code lora_magnitude_vector.<adapter>.weight} (PEFT's in-memory names,
     * {@link LoraTensorNames#stateDictKey}).
     *
     * @return an ordered, unmodifiable map
     */
    @Override
    public Map<String, Parameter> stateDictParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put("weight", baseWeight);
        if (baseBias != null) {
            out.put("bias", baseBias);
        }
        adapters.forEach((name, ad) -> ad.tensors().forEach((kind, p) ->
                out.put(LoraTensorNames.stateDictKey(kind, name), p)));
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * Whether {@code parameter} is the base layer's weight or bias (not an adapter's tensor).
     *
     * @param parameter one of {@link #stateDictParameters()}
     * @return true for the base weight and bias
     */
    @Override
    public boolean isBaseParameter(Parameter parameter) {
        return parameter == baseWeight || parameter == baseBias;
    }

    /**
     * Input features.
     *
     * @return in
     */
    public long getInFeatures() {
        return inFeatures;
    }

    /**
     * Output features.
     *
     * @return out
     */
    public long getOutFeatures() {
        return outFeatures;
    }

    private LoraAdapter adapter(String name) {
        LoraAdapter ad = adapters.get(name);
        if (ad == null) {
            throw new IllegalArgumentException("unknown adapter \"" + name + "\"; this layer has "
                    + adapters.keySet());
        }
        return ad;
    }

    private void requireUnmerged(String what) {
        if (!merged.isEmpty()) {
            throw new IllegalStateException("cannot " + what + " while adapters " + merged
                    + " are merged into the base weight: unmerge first");
        }
    }

    /**
     * A 0-d array holding {@code value} in {@code dtype}, owned by {@code manager}, in engine memory (not a wrapped
     * Java buffer), so that autograd may keep it after the array is closed (a forward pass may close a layer's
     * intermediates before backward).
     */
    static NDArray scalar(NDManager manager, double value, DataType dtype) {
        if (dtype == DataType.FLOAT64) {
            return manager.create(value).duplicate();
        }
        return manager.full(new Shape(), (float) value, dtype);
    }

    /**
     * Registers an observer of this layer's inputs. Several may be registered; they are called in registration
     * order. The same observer registered twice is called twice.
     *
     * @param observer the observer
     * @return its handle: {@link InputObserverHandle#close()} (or {@link #removeInputObserver}) removes this
     *     registration and no other
     */
    public InputObserverHandle addInputObserver(LoraInputObserver observer) {
        InputObserverHandle handle = new InputObserverHandle(Objects.requireNonNull(observer, "observer"));
        inputObservers.add(handle);
        return handle;
    }

    /**
     * Removes one registration; the other observers stay.
     *
     * @param handle a handle returned by {@link #addInputObserver} of this layer
     * @return whether it was registered (false when already removed, or when it belongs to another layer)
     */
    public boolean removeInputObserver(InputObserverHandle handle) {
        return inputObservers.remove(handle);
    }

    /**
     * The registered input observers.
     *
     * @return the observers in registration order (a copy)
     */
    public List<LoraInputObserver> inputObservers() {
        List<LoraInputObserver> out = new ArrayList<>(inputObservers.size());
        inputObservers.forEach(h -> out.add(h.observer()));
        return out;
    }

    /** One registration of a {@link LoraInputObserver} at this layer; closing it removes the registration. */
    public final class InputObserverHandle implements AutoCloseable {
        private final LoraInputObserver observer;

        private InputObserverHandle(LoraInputObserver observer) {
            this.observer = observer;
        }

        /**
         * The registered observer.
         *
         * @return observer
         */
        public LoraInputObserver observer() {
            return observer;
        }

        /** Removes this registration from the layer (nothing happens when it is already removed). */
        @Override
        public void close() {
            removeInputObserver(this);
        }
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (!inputObservers.isEmpty()) {
            NDArray input = inputs.singletonOrThrow();
            // A copy: an observer may remove itself (or another) while being called.
            for (InputObserverHandle h : List.copyOf(inputObservers)) {
                h.observer().onInput(this, input, training);
            }
        }
        NDList baseOut = base.forward(parameterStore, inputs, training, params);
        if (!enabled || active.size() == merged.size()) {
            return baseOut;
        }
        NDArray x = inputs.singletonOrThrow();
        NDArray y = baseOut.singletonOrThrow();
        for (String name : active) {
            if (merged.contains(name)) {
                continue;
            }
            LoraAdapter ad = adapters.get(name);
            y = ad.spec().variant().forward(this, ad, parameterStore, x, y, training);
        }
        return new NDList(y);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        base.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        long last = inputShapes[0].get(inputShapes[0].dimension() - 1);
        if (last != inFeatures) {
            throw new IllegalArgumentException("LoraLinear expects inputs [..., " + inFeatures + "], got "
                    + inputShapes[0]);
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "LoraLinear(in=" + inFeatures + ", out=" + outFeatures + ", adapters=" + adapters.keySet()
                + ", active=" + active + (enabled ? "" : ", disabled") + (merged.isEmpty() ? "" : ", merged")
                + ")";
    }
}
