package io.github.treelora.djl.lora;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.github.treelora.djl.models.ModuleContainer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Adds a named LoRA adapter to the linear layers of a block tree that a {@link LoraConfig} targets.
 *
 * <p>Modules are addressed by the dotted paths of {@link ModuleTree}. A matched DJL {@code Linear} (or
 * {@link LinearModule}) is replaced by a {@link LoraLinear} wrapping it, through
 * {@link ModuleContainer#replaceModule} when the parent implements {@link ModuleContainer} (the project's
 * models) and otherwise through {@link DjlChildReplacer} (plain DJL blocks such as {@code SequentialBlock},
 * {@code BertBlock}). A matched module that already is a {@code LoraLinear} gets the new adapter added.
 *
 * <p>As in PEFT, a successful injection freezes every model parameter that is not a LoRA adapter parameter
 * ({@link #freezeNonAdapterParameters}); unfreeze a task head explicitly if it must train (PEFT's
 * {@code modules_to_save}).
 *
 * <p>All checks run before anything is modified, so a failing call leaves the model as it was:
 * a malformed or duplicate adapter name, a target that matches no module (the message lists the closest
 * module names), a matched module that is not a linear layer or is not initialised, a parent that cannot
 * take the replacement. If applying still fails (for example a {@link ModuleContainer} whose
 * {@code getChildren()} does not reflect {@code replaceModule}, which would hide the adapter from the trainer),
 * the changes made so far are rolled back.
 */
public final class LoraInjector {

    private LoraInjector() {
    }

    /**
     * Adds adapter {@code adapterName} to every module of {@code root} that {@code config} targets; the new
     * adapter is trainable and joins each layer's active set, and every non-adapter parameter of the model is
     * frozen ({@link #freezeNonAdapterParameters}).
     *
     * @param root the model's top block, initialised
     * @param adapterName adapter name (letters, digits, {@code _} and {@code -}), not yet used in the model
     * @param config targets and hyper-parameters
     * @return the dotted paths of the adapted modules in walk (input-to-output) order: TreeLoRA's layer order
     * @throws IllegalArgumentException for the problems listed in the class comment; the model is unchanged
     */
    public static List<String> inject(Block root, String adapterName, LoraConfig config) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(config, "config");
        LoraLinear.checkAdapterNameFormat(adapterName);
        List<ModuleTree.Module> modules = ModuleTree.modules(root);
        for (ModuleTree.Module m : modules) {
            if (m.block() instanceof LoraLinear && ((LoraLinear) m.block()).hasAdapter(adapterName)) {
                throw new IllegalArgumentException("duplicate adapter name \"" + adapterName
                        + "\": the model already has it (e.g. at " + m.path() + ")");
            }
        }

        // Which modules are selected, and does every target select something?
        Map<String, Integer> hitsPerTarget = new LinkedHashMap<>();
        Map<String, Integer> hitsBeforeLayerFilter = new LinkedHashMap<>();
        List<String> targets = config.targetRegex() != null
                ? List.of(config.targetRegex()) : new ArrayList<>(config.targetModules());
        for (String t : targets) {
            hitsPerTarget.put(t, 0);
            hitsBeforeLayerFilter.put(t, 0);
        }
        List<ModuleTree.Module> selected = new ArrayList<>();
        for (ModuleTree.Module m : modules) {
            List<String> hits = config.targetsMatching(m.path());
            if (hits.isEmpty()) {
                continue;
            }
            boolean layerOk = config.isLayerSelected(m.path());
            for (String t : hits) {
                hitsBeforeLayerFilter.merge(t, 1, Integer::sum);
                if (layerOk) {
                    hitsPerTarget.merge(t, 1, Integer::sum);
                }
            }
            if (layerOk) {
                selected.add(m);
            }
        }
        for (String t : targets) {
            if (hitsPerTarget.get(t) == 0) {
                throw new IllegalArgumentException(noMatchMessage(t, config, modules,
                        hitsBeforeLayerFilter.get(t)));
            }
        }

        // Every selected module must be a linear layer we can wrap, in a parent we can modify.
        List<Runnable> applySteps = new ArrayList<>();
        List<Runnable> undoSteps = new ArrayList<>();
        List<String> adapted = new ArrayList<>();
        for (ModuleTree.Module m : selected) {
            Block block = m.block();
            if (block instanceof LoraLinear) {
                LoraLinear lora = (LoraLinear) block;
                lora.checkNewAdapterName(adapterName);
                if (lora.isMerged()) {
                    throw new IllegalArgumentException("module " + m.path() + " has merged adapters: unmerge first");
                }
                applySteps.add(() -> lora.addAdapter(adapterName, config, m.path()));
                undoSteps.add(() -> lora.deleteAdapter(adapterName));
            } else {
                if (!LoraLinear.isWrappable(block)) {
                    throw new IllegalArgumentException("module " + m.path() + " matches target "
                            + config.targetsMatching(m.path()) + " but is a " + block.getClass().getSimpleName()
                            + ", not a linear layer (LoRA supports ai.djl.nn.core.Linear and LinearModule)");
                }
                try {
                    LoraLinear.checkWrappable(block);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("module " + m.path() + ": " + e.getMessage(), e);
                }
                Replacer replacer = replacerFor(m);
                Parameter w = LoraLinear.weightOf(block);
                Parameter b = LoraLinear.biasOf(block);
                boolean wTrainable = w.requiresGradient();
                boolean bTrainable = b != null && b.requiresGradient();
                LoraLinear[] created = new LoraLinear[1];
                applySteps.add(() -> {
                    LoraLinear lora = new LoraLinear(block);
                    created[0] = lora;
                    replacer.replace(lora);
                    lora.addAdapter(adapterName, config, m.path());
                });
                undoSteps.add(() -> {
                    if (created[0] != null) {
                        replacer.restore(created[0]);
                    }
                    w.freeze(!wTrainable);
                    if (b != null) {
                        b.freeze(!bTrainable);
                    }
                });
            }
            adapted.add(m.path());
        }

        int done = 0;
        try {
            for (Runnable step : applySteps) {
                step.run();
                done++;
            }
        } catch (RuntimeException e) {
            // Undo the completed steps and the failing one (its undo tolerates a partial apply).
            for (int i = Math.min(done, undoSteps.size() - 1); i >= 0; i--) {
                try {
                    undoSteps.get(i).run();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        freezeNonAdapterParameters(root);
        return List.copyOf(adapted);
    }

    /**
     * Freezes every parameter of {@code root} that is not a LoRA adapter parameter (PEFT's
     * {@code mark_only_lora_as_trainable}); adapters keep their own frozen or trainable state.
     *
     * @param root the model's top block
     */
    public static void freezeNonAdapterParameters(Block root) {
        Set<Parameter> adapterParams = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ModuleTree.Module m : ModuleTree.modules(root)) {
            if (m.block() instanceof LoraLinear) {
                LoraLinear l = (LoraLinear) m.block();
                for (String n : l.getAdapterNames()) {
                    adapterParams.addAll(l.getAdapter(n).tensors().values());
                }
            }
        }
        for (Parameter p : root.getParameters().values()) {
            if (!adapterParams.contains(p) && p.requiresGradient()) {
                p.freeze(true);
            }
        }
    }

    /** Swaps a module for its LoRA wrapper in the parent, and back. */
    private interface Replacer {
        void replace(LoraLinear lora);

        void restore(LoraLinear lora);
    }

    private static Replacer replacerFor(ModuleTree.Module m) {
        Block parent = m.parent();
        Block old = m.block();
        if (parent instanceof ModuleContainer) {
            ModuleContainer container = (ModuleContainer) parent;
            return new Replacer() {
                @Override
                public void replace(LoraLinear lora) {
                    container.replaceModule(m.localName(), lora);
                    // The trainer finds parameters through getChildren(): the adapter must be visible there.
                    if (!parent.getChildren().values().contains(lora)) {
                        container.replaceModule(m.localName(), old);
                        throw new IllegalStateException(parent.getClass().getName() + ".replaceModule(\""
                                + m.localName() + "\") did not update getChildren(), so the adapter's parameters "
                                + "would be invisible to DJL's trainer; fix the ModuleContainer implementation");
                    }
                    if (container.namedModules().get(m.localName()) != lora) {
                        container.replaceModule(m.localName(), old);
                        throw new IllegalStateException(parent.getClass().getName() + ".replaceModule(\""
                                + m.localName() + "\") did not update namedModules()");
                    }
                }

                @Override
                public void restore(LoraLinear lora) {
                    if (container.namedModules().get(m.localName()) == lora) {
                        container.replaceModule(m.localName(), old);
                    }
                }
            };
        }
        DjlChildReplacer.Plan plan = DjlChildReplacer.plan(parent, m.childIndex(), old, LoraLinear.class);
        return new Replacer() {
            @Override
            public void replace(LoraLinear lora) {
                plan.apply(lora);
            }

            @Override
            public void restore(LoraLinear lora) {
                if (parent.getChildren().valueAt(m.childIndex()) == lora) {
                    plan.revert(lora);
                }
            }
        };
    }

    /** Error text for a target without matches: the closest module names and the layer filter, if any. */
    private static String noMatchMessage(String target, LoraConfig config, List<ModuleTree.Module> modules,
            int hitsBeforeLayerFilter) {
        StringBuilder sb = new StringBuilder();
        sb.append("target ").append(config.targetRegex() != null ? "regex " : "module ").append('"')
                .append(target).append("\" matches no module");
        if (hitsBeforeLayerFilter > 0) {
            Set<Integer> found = new TreeSet<>();
            for (ModuleTree.Module m : modules) {
                if (config.targetsMatching(m.path()).contains(target)) {
                    OptionalInt layer = config.layerIndex(m.path());
                    layer.ifPresent(found::add);
                }
            }
            sb.append(" in layersToTransform ").append(config.layersToTransform()).append(" (it matches ")
                    .append(hitsBeforeLayerFilter).append(" modules, in layers ").append(found)
                    .append(" using layersPattern ").append(config.layersPattern()).append(')');
            return sb.toString();
        }
        Set<String> linearNames = new LinkedHashSet<>();
        List<String> linearPaths = new ArrayList<>();
        for (ModuleTree.Module m : modules) {
            if (m.block() instanceof LoraLinear || LoraLinear.isWrappable(m.block())) {
                linearNames.add(m.localName());
                linearPaths.add(m.path());
            }
        }
        String last = target.contains(".") ? target.substring(target.lastIndexOf('.') + 1) : target;
        List<String> closest = closest(last, linearNames, 8);
        if (linearPaths.isEmpty()) {
            sb.append("; the model has no linear layers (modules: ")
                    .append(modules.stream().limit(10).map(ModuleTree.Module::path).collect(Collectors.toList()))
                    .append(')');
        } else {
            sb.append("; closest linear module names: ").append(closest).append("; linear modules, e.g. ")
                    .append(linearPaths.subList(0, Math.min(6, linearPaths.size())))
                    .append(" (").append(linearPaths.size()).append(" in all)");
        }
        return sb.toString();
    }

    /**
     * The {@code limit} candidates closest to {@code name} by case-insensitive edit distance (ties by name), for
     * "did you mean" hints in error messages (also used for unknown strategy ids, {@code StrategyRegistry}).
     *
     * @param name the unknown name
     * @param candidates the known names
     * @param limit at most this many
     * @return the closest candidates, closest first
     */
    public static List<String> closest(String name, java.util.Collection<String> candidates, int limit) {
        return candidates.stream().distinct()
                .sorted(Comparator.comparingInt((String n) -> editDistance(name, n)).thenComparing(n -> n))
                .limit(limit).collect(Collectors.toList());
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (Character.toLowerCase(a.charAt(i - 1))
                        == Character.toLowerCase(b.charAt(j - 1)) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
