package io.github.treelora.djl.cl;

import ai.djl.nn.Parameter;
import io.github.treelora.Preset;
import io.github.treelora.bandit.SelectorPolicy;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.train.TreeLoraHook;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.SafetensorsWriter;
import io.github.treelora.io.TreeLoraState;
import io.github.treelora.tree.TaskTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * TreeLoRA through {@link TreeLoraHook}: after every backward pass the hook folds the tracked adapter's A
 * gradients (PAPER) or values (REFERENCE) into the task's vectors, picks a previous task per layer with the
 * bandit over the tree, and adds the update rule's term to the A gradients. Two adapter layouts (docs/algorithm.md):
 * <ul>
 *   <li>{@link Adapters#SHARED} (default for {@link Preset#REFERENCE}, as the published code does): one
 *       adapter {@value #SHARED_ADAPTER} trained continuously through all tasks, never reset, merged or
 *       frozen.</li>
 *   <li>{@link Adapters#PER_TASK} (default for {@link Preset#PAPER}): a new adapter {@code task<k>} per task,
 *       frozen after its task. All adapters start from the same A (B = 0): the first adapter's random A is
 *       copied into every later one, so the stored A-gradient vectors of different tasks live in the same
 *       coordinates and their distances mean something. The hook tracks the current adapter.</li>
 * </ul>
 * <b>Inference with per-task adapters.</b> The paper says "the most recent adapter is used for inference".
 * Here older adapters stay active (frozen) while a new task trains and at inference, so the model evaluated
 * after task n is the stack ending in the most recent adapter: exactly the function the most recent adapter
 * was trained in. Using the newest adapter alone would evaluate a function no adapter was trained in (it was
 * trained on top of the older ones), and training each adapter alone would make the earlier tasks depend on
 * the regulariser only. The storage budget's merging of the closest task vectors happens in the core; the
 * adapters themselves are not merged (listed as future work).
 */
public final class TreeLoraStrategy extends LoraStrategy {

    /** Adapter name of the shared layout. */
    public static final String SHARED_ADAPTER = "treelora";

    /** How adapters are laid out over the task sequence. */
    public enum Adapters {
        /** One adapter trained continuously (published code). */
        SHARED,
        /** One adapter per task, frozen after it, all active (paper). */
        PER_TASK
    }

    private final TreeLoraConfig config;
    private final Adapters layout;
    /** The tree as of close(): the hook and its core are released then. */
    private TaskTree lastTree;
    private TreeLoraHook hook;
    private String tracked;
    /** PER_TASK: the A every adapter starts from, per layer (flattened), in layer order. */
    private List<float[]> initialA;

    /**
     * TreeLoRA with the preset's adapter layout (REFERENCE: shared; PAPER: per task).
     *
     * @param lora adapter targets, rank and alpha
     * @param config TreeLoRA's choices
     */
    public TreeLoraStrategy(LoraConfig lora, TreeLoraConfig config) {
        this(lora, config, config.preset() == Preset.REFERENCE ? Adapters.SHARED : Adapters.PER_TASK);
    }

    /**
     * TreeLoRA with an explicit adapter layout.
     *
     * @param lora adapter targets, rank and alpha
     * @param config TreeLoRA's choices
     * @param layout adapter layout
     */
    public TreeLoraStrategy(LoraConfig lora, TreeLoraConfig config, Adapters layout) {
        super(Objects.requireNonNull(lora, "lora"), null, null);
        this.config = Objects.requireNonNull(config, "config");
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /**
     * The id: {@code treelora} (PAPER preset) or {@code treelora-reference}, with {@code -lambda0} when the regulariser
     * is off and {@code -random} with the random selector, as {@link StrategyRegistry} names the paper's ablations.
     *
     * @return id
     */
    @Override
    public String id() {
        return withAblations(config.preset() == Preset.PAPER ? "treelora"
                : "treelora-" + config.preset().name().toLowerCase(Locale.ROOT), "-random");
    }

    /**
     * The display name.
     *
     * @return {@code TreeLoRA-PAPER} or {@code TreeLoRA-REFERENCE} (after the config's preset), with
     *     {@code -lambda0} when the regulariser is off and {@code -random-selection} with the random selector (the
     *     paper's ablations)
     */
    @Override
    public String name() {
        return withAblations("TreeLoRA-" + config.preset(), "-random-selection");
    }

    /** {@code base} with {@code -lambda0} when the regulariser is off and {@code random} with the random selector. */
    private String withAblations(String base, String random) {
        String s = base;
        if (config.lambda().lambda() == 0) {
            s += "-lambda0";
        }
        if (config.selectorPolicy() == SelectorPolicy.RANDOM) {
            s += random;
        }
        return s;
    }

    @Override
    void putSettings(Map<String, Object> m) {
        m.put("adapters", layout.name());
        m.put("treelora", config.toString());
    }

    /**
     * The task tree over the finished tasks, as of the last finished task. Unlike {@link #hook()} it stays available
     * after {@link #close()} (the trainer closes the strategy at the end of a run), so callers can draw it.
     *
     * @return the tree, or null before the first task finished
     */
    public TaskTree tree() {
        return hook != null ? hook.core().tree() : lastTree;
    }

    /**
     * The hook (null before the first task).
     *
     * @return the hook driving the core state
     */
    public TreeLoraHook hook() {
        return hook;
    }

    @Override
    public void beforeTask(ContinualTask task, int index) {
        String name = layout == Adapters.SHARED ? SHARED_ADAPTER : PerTaskAdapters.nameOf(index);
        if (layout == Adapters.PER_TASK && tracked != null) {
            context().lora().freezeAdapter(tracked);
        }
        if (!context().lora().adapterNames().contains(name)) {
            context().lora().addAdapter(name, loraConfig());
            if (layout == Adapters.PER_TASK) {
                shareInitialA(name);
            }
        }
        if (hook == null) {
            hook = new TreeLoraHook(context().lora(), name, config, context().manager());
        } else if (!name.equals(hook.trackedAdapter())) {
            hook.trackAdapter(name);
        }
        tracked = name;
        hook.startTask(task.id());
    }

    private void shareInitialA(String name) {
        List<Parameter> as = new ArrayList<>(context().lora().loraA(name).values());
        if (initialA == null) {
            initialA = new ArrayList<>();
            for (Parameter a : as) {
                initialA.add(a.getArray().toFloatArray());
            }
            return;
        }
        if (initialA.size() != as.size()) {
            throw new IllegalStateException("adapter " + name + " adapts " + as.size() + " modules, the first "
                    + initialA.size());
        }
        for (int l = 0; l < as.size(); l++) {
            as.get(l).getArray().set(initialA.get(l));
        }
    }

    @Override
    public void beforeEpoch(int epoch, int stepsPerEpoch) {
        hook.startEpoch(stepsPerEpoch);
    }

    @Override
    public void afterBackward(double loss) {
        hook.afterBackward(loss);
    }

    @Override
    public void afterTask(ContinualTask task, int index) {
        hook.finishTask();
        if (layout == Adapters.PER_TASK) {
            context().lora().freezeAdapter(tracked);
        }
    }

    @Override
    public void saveState(Path dir) throws IOException {
        TreeLoraState.save(hook.core(), dir.resolve("core"));
        Files.writeString(dir.resolve("treelora-strategy.txt"), layout.name() + "\n" + tracked + "\n");
        if (initialA != null) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (int l = 0; l < initialA.size(); l++) {
                w.putFloats("initialA." + l, new long[] {initialA.get(l).length}, initialA.get(l));
            }
            w.write(dir.resolve("initial-a.safetensors"));
        }
    }

    @Override
    public void loadState(Path dir, List<ContinualTask> finished) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("treelora-strategy.txt"));
        if (lines.size() < 2 || !lines.get(0).equals(layout.name())) {
            throw new IOException(dir + ": TreeLoRA state of layout " + (lines.isEmpty() ? "?" : lines.get(0))
                    + ", this strategy uses " + layout);
        }
        String name = lines.get(1);
        TreeLoraHook restored = TreeLoraHook.restore(context().lora(), name, dir.resolve("core"), context().manager());
        if (restored.core().memory().size() == 0 && !finished.isEmpty()) {
            restored.close();
            throw new IOException(dir + ": the TreeLoRA state holds no task although " + finished.size()
                    + " tasks finished");
        }
        List<float[]> a = null;
        Path initial = dir.resolve("initial-a.safetensors");
        if (Files.exists(initial)) {
            a = new ArrayList<>();
            try (SafetensorsFile f = SafetensorsFile.open(initial)) {
                for (int l = 0; f.contains("initialA." + l); l++) {
                    a.add(f.readFloats("initialA." + l));
                }
            }
        }
        if (hook != null) {
            hook.close();
        }
        hook = restored;
        tracked = name;
        initialA = a;
    }

    @Override
    public void close() {
        if (hook != null) {
            lastTree = hook.core().tree();
            hook.close();
            hook = null;
        }
    }
}
