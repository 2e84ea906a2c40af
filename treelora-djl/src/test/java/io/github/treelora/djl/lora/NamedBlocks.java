package io.github.treelora.djl.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleContainer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tiny test model implementing {@link ModuleContainer} the way the project's models do: children kept in a
 * name-keyed map that forward looks up, and {@code getChildren()} built from it (so the trainer sees
 * replacements). Structure: {@code layers.{i}.q_proj, layers.{i}.act, layers.{i}.v_proj, head}, each layer
 * {@code x + v_proj(relu(q_proj(x)))}.
 */
final class NamedBlocks {

    private NamedBlocks() {
    }

    /** Builds the model with {@code layerCount} residual layers of width {@code dim} and an {@code out} head. */
    static Named model(int dim, int layerCount, int out) {
        Map<String, Block> layers = new LinkedHashMap<>();
        for (int i = 0; i < layerCount; i++) {
            Map<String, Block> layer = new LinkedHashMap<>();
            layer.put("q_proj", Linear.builder().setUnits(dim).build());
            layer.put("act", new LambdaBlock(x -> new NDList(Activation.relu(x.singletonOrThrow())), "relu"));
            layer.put("v_proj", Linear.builder().setUnits(dim).build());
            layers.put(Integer.toString(i), new Named(layer, true));
        }
        Map<String, Block> root = new LinkedHashMap<>();
        root.put("layers", new Named(layers, false));
        root.put("head", Linear.builder().setUnits(out).build());
        return new Named(root, false);
    }

    /** Applies its modules in order; with {@code residual}, returns input + result. */
    static final class Named extends AbstractBlock implements ModuleContainer {
        private final Map<String, Block> modules;
        private final boolean residual;

        Named(Map<String, Block> modules, boolean residual) {
            this.modules = new LinkedHashMap<>(modules);
            this.residual = residual;
        }

        @Override
        public Map<String, Block> namedModules() {
            return Collections.unmodifiableMap(modules);
        }

        @Override
        public void replaceModule(String name, Block replacement) {
            if (!modules.containsKey(name)) {
                throw new IllegalArgumentException("no module " + name);
            }
            modules.put(name, replacement);
        }

        @Override
        public BlockList getChildren() {
            return new BlockList(modules);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDList h = inputs;
            for (Block b : modules.values()) {
                h = b.forward(ps, h, training, params);
            }
            if (residual) {
                NDArray sum = inputs.singletonOrThrow().add(h.singletonOrThrow());
                return new NDList(sum);
            }
            return h;
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape[] shapes = inputShapes;
            for (Block b : modules.values()) {
                b.initialize(manager, dataType, shapes);
                shapes = b.getOutputShapes(shapes);
            }
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape[] shapes = inputShapes;
            for (Block b : modules.values()) {
                shapes = b.getOutputShapes(shapes);
            }
            return shapes;
        }
    }
}
