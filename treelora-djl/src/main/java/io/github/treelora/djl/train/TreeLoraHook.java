package io.github.treelora.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.github.treelora.StepReport;
import io.github.treelora.TreeLora;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.io.TreeLoraState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Applies TreeLoRA to a DJL model with LoRA adapters: call {@link #afterBackward(double)} after the backward
 * pass and before the optimizer step. It
 * <ol>
 *   <li>folds the tracked adapter's A gradients (PAPER) or A values (REFERENCE) into the current task's
 *       running vectors,</li>
 *   <li>asks the core selector for a previous task per adapted layer, feeding it the L1 distances,</li>
 *   <li>adds the update rule's term to the A gradients in place, so the optimizer applies it.</li>
 * </ol>
 * Vectors and distances stay on the model's device ({@link NDArrayVectorOps}); per step only scalars reach the
 * host. Layer l is the l-th module of {@link LoraModel#loraA(String)}, input side first.
 *
 * <p>With a plain loop:
 * <pre>{@code
 * hook.startTask(task);
 * for (epoch...) {
 *     hook.startEpoch(stepsPerEpoch);
 *     for (batch...) {
 *         try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
 *             NDArray loss = ...; gc.backward(loss);
 *             hook.afterBackward(loss.getFloat());
 *         }
 *         trainer.step(); // or the optimizer update
 *     }
 * }
 * hook.finishTask();
 * }</pre>
 * With DJL's {@code Trainer} and {@code EasyTrain}, register a {@link TreeLoraTrainingListener}.
 */
public final class TreeLoraHook implements AutoCloseable {

    private final LoraModel model;
    private final NDArrayVectorOps ops;
    private final TreeLora<NDArray> core;
    private final NDManager manager;
    private String adapter;
    private List<Parameter> loraA;

    /**
     * A hook tracking one adapter of a model.
     *
     * @param model the model with LoRA adapters
     * @param adapter the adapter whose A matrices TreeLoRA tracks and regularises
     * @param config TreeLoRA choices
     * @param manager a manager on the model's device; the hook's vectors live in a sub-manager of it
     */
    public TreeLoraHook(LoraModel model, String adapter, TreeLoraConfig config, NDManager manager) {
        this.model = Objects.requireNonNull(model, "model");
        this.manager = manager;
        this.loraA = resolve(model, adapter);
        this.adapter = adapter;
        this.ops = new NDArrayVectorOps(manager);
        this.core = new TreeLora<>(config, ops, loraA.size());
    }

    private TreeLoraHook(LoraModel model, String adapter, TreeLora<NDArray> core, NDArrayVectorOps ops,
            NDManager manager) {
        this.model = model;
        this.manager = manager;
        this.loraA = resolve(model, adapter);
        this.adapter = adapter;
        this.ops = ops;
        this.core = core;
        if (core.numLayers() != loraA.size()) {
            throw new IllegalArgumentException("the saved TreeLoRA state has " + core.numLayers()
                    + " layers, adapter '" + adapter + "' adapts " + loraA.size() + " modules");
        }
    }

    /**
     * A hook whose core state (task vectors, tree, bandit statistics, counters) is read from a directory written
     * by {@link TreeLoraState#save} with {@code hook.core()}.
     *
     * @param model the model with LoRA adapters
     * @param adapter the adapter to track
     * @param stateDir the saved state
     * @param manager a manager on the model's device
     * @return the restored hook
     * @throws IOException if the state is missing, corrupted, or has another number of layers than the adapter
     */
    public static TreeLoraHook restore(LoraModel model, String adapter, Path stateDir, NDManager manager)
            throws IOException {
        Objects.requireNonNull(model, "model");
        NDArrayVectorOps ops = new NDArrayVectorOps(manager);
        try {
            TreeLora<NDArray> core = TreeLoraState.load(stateDir, ops);
            return new TreeLoraHook(model, adapter, core, ops, manager);
        } catch (IOException | RuntimeException e) {
            ops.close();
            if (e instanceof IllegalArgumentException) {
                throw new IOException(stateDir + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * Tracks another adapter from now on (for per-task adapters). It must adapt the same modules with A
     * matrices of the same shapes, since stored task vectors are compared with it.
     *
     * @param name an adapter of the model
     */
    public void trackAdapter(String name) {
        List<Parameter> next = resolve(model, name);
        if (next.size() != loraA.size()) {
            throw new IllegalArgumentException("adapter '" + name + "' adapts " + next.size()
                    + " modules, the tracked one " + loraA.size());
        }
        for (int l = 0; l < next.size(); l++) {
            if (!next.get(l).getArray().getShape().equals(loraA.get(l).getArray().getShape())) {
                throw new IllegalArgumentException("adapter '" + name + "' layer " + l + " has A of shape "
                        + next.get(l).getArray().getShape() + ", expected " + loraA.get(l).getArray().getShape());
            }
        }
        this.loraA = next;
        this.adapter = name;
    }

    /**
     * Starts a task.
     *
     * @param taskId task id
     */
    public void startTask(int taskId) {
        core.startTask(taskId);
    }

    /**
     * Starts an epoch.
     *
     * @param stepsPerEpoch steps in the epoch
     */
    public void startEpoch(int stepsPerEpoch) {
        core.startEpoch(stepsPerEpoch);
    }

    /**
     * The TreeLoRA step: reads the A gradients computed by the last backward pass and adds the rule's term
     * to them in place.
     *
     * @param loss the step's loss value
     * @return what the step did
     * @throws IllegalStateException if an A matrix has no gradient (frozen adapter or no backward pass)
     */
    public StepReport afterBackward(double loss) {
        try (NDManager step = manager.newSubManager()) {
            List<NDArray> gradients = new ArrayList<>(loraA.size());
            List<NDArray> values = new ArrayList<>(loraA.size());
            for (Parameter a : loraA) {
                NDArray value = a.getArray();
                if (!value.hasGradient()) {
                    throw new IllegalStateException("LoRA A parameter " + a.getName() + " of adapter '" + adapter
                            + "' has no gradient: is the adapter frozen, or was backward not run?");
                }
                // getGradient wraps the gradient storage in a new handle owned by the parameter's manager;
                // attach it to the step so the handle is released (the storage stays with the parameter).
                NDArray gradient = value.getGradient();
                gradient.attach(step);
                gradients.add(gradient);
                values.add(value);
            }
            return core.step(gradients, values, loss);
        }
    }

    /** Stores the task's vectors and rebuilds the tree. */
    public void finishTask() {
        core.finishTask();
    }

    /**
     * The engine-independent state (tree, memory, selector); save it with
     * {@link io.github.treelora.io.TreeLoraState}.
     *
     * @return the core state machine
     */
    public TreeLora<NDArray> core() {
        return core;
    }

    /**
     * The adapter currently tracked.
     *
     * @return adapter name
     */
    public String trackedAdapter() {
        return adapter;
    }

    /** Frees the stored vectors. */
    @Override
    public void close() {
        ops.close();
    }

    private static List<Parameter> resolve(LoraModel model, String adapter) {
        Map<String, Parameter> a = model.loraA(adapter);
        if (a.isEmpty()) {
            throw new IllegalArgumentException("adapter '" + adapter + "' adapts no module");
        }
        return List.copyOf(a.values());
    }
}
