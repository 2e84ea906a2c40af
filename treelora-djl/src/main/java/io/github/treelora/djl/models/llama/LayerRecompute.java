package io.github.treelora.djl.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.djl.lora.ModuleTree;
import io.github.treelora.djl.models.ModuleList;
import java.util.function.UnaryOperator;

/**
 * The training step of {@link LlamaModel#backward} with per-layer recomputation (activation checkpointing).
 *
 * <p>Why: autograd keeps every tensor a layer's backward needs until the whole backward has run, including the
 * float32 copy of each float16 weight that {@code WideningLinear} widens (the input gradient of a frozen layer
 * needs its weight), so a recorded forward holds float32 copies of all weights, twice the float16 model. Here the
 * layers first run with recording off and only each layer's input is kept ({@code [B, T, hidden]}); backward then
 * walks the layers from the last to the first, recomputes one layer with recording from its kept input, feeds it
 * the gradient of its output, takes its input's gradient for the layer below, and frees the layer's graph (its
 * own sub-manager) before the next. At most one layer's graph exists at a time, for one more forward pass of the
 * layers.
 *
 * <p>Parameters' gradients accumulate over these backward calls exactly as over one (the collector does not zero
 * them; the optimizer update does), so optimizers and gradient hooks that read them after backward see the same
 * values. The layers must compute the same function twice: dropout is refused. Needs DJL's PyTorch engine
 * (recording is switched off with its grad mode).
 */
final class LayerRecompute {

    private LayerRecompute() {}

    static float backward(LlamaModel model, ParameterStore ps, GradientCollector gc, NDArray inputIds,
            NDArray attentionMask, UnaryOperator<NDArray> loss) {
        if (!(inputIds instanceof PtNDArray)) {
            throw new UnsupportedOperationException("layer recomputation needs DJL's PyTorch engine, got "
                    + inputIds.getManager().getEngine().getEngineName());
        }
        if (!JniUtils.isGradMode()) {
            throw new IllegalStateException("layer recomputation runs inside an open GradientCollector, and "
                    + "gradients are not being recorded");
        }
        refuseDropout(model);
        ModuleList<LlamaDecoderLayer> layers = model.layers();
        int n = layers.size();
        // trainableFrom[i]: whether stage i or one below it has a trainable parameter; stage 0 is the embedding,
        // stage i + 1 decoder layer i. Below the lowest trainable stage, no gradient needs to flow.
        boolean[] trainableFrom = new boolean[n + 1];
        trainableFrom[0] = anyTrainable(model.embedTokens());
        for (int i = 0; i < n; i++) {
            trainableFrom[i + 1] = trainableFrom[i] || anyTrainable(layers.get(i));
        }

        NDManager step = inputIds.getManager();
        NDArray[] hidden = new NDArray[n + 1]; // hidden[i] enters layer i; hidden[n] leaves the last layer
        LlamaModel.Pass pass;
        JniUtils.setGradMode(false);
        try {
            pass = model.prepare(inputIds, attentionMask, null);
            hidden[0] = model.embed(ps, inputIds, true);
            for (int i = 0; i < n; i++) {
                try (NDManager scope = step.newSubManager()) {
                    hidden[i].tempAttach(scope); // the layer's intermediates go to scope and are freed with it
                    hidden[i + 1] = layer(layers, i, ps, hidden[i], pass);
                    hidden[i + 1].attach(step);
                }
            }
        } finally {
            JniUtils.setGradMode(true);
        }

        float value;
        NDArray upstream = null;
        try (NDManager scope = step.newSubManager()) {
            NDArray last = hidden[n];
            last.attach(scope);
            if (trainableFrom[n]) {
                last.setRequiresGradient(true);
            }
            NDArray l = loss.apply(model.norm(ps, last, true));
            value = l.getFloat();
            gc.backward(l);
            if (trainableFrom[n]) {
                upstream = gradientOf(last, step);
            }
        }
        for (int i = n - 1; i >= 0 && trainableFrom[i + 1]; i--) {
            try (NDManager scope = step.newSubManager()) {
                NDArray x = hidden[i];
                x.attach(scope);
                if (trainableFrom[i]) {
                    x.setRequiresGradient(true);
                }
                NDArray y = layer(layers, i, ps, x, pass);
                JniUtils.backward((PtNDArray) y, (PtNDArray) upstream, false, false);
                upstream.close();
                upstream = trainableFrom[i] ? gradientOf(x, step) : null;
            }
        }
        if (trainableFrom[0]) {
            try (NDManager scope = step.newSubManager()) {
                inputIds.tempAttach(scope);
                NDArray h = model.embed(ps, inputIds, true);
                JniUtils.backward((PtNDArray) h, (PtNDArray) upstream, false, false);
                upstream.close();
            }
        }
        for (NDArray h : hidden) {
            if (h != null) {
                h.close();
            }
        }
        return value;
    }

    private static NDArray layer(ModuleList<LlamaDecoderLayer> layers, int i, ParameterStore ps, NDArray x,
            LlamaModel.Pass pass) {
        return layers.get(i).forward(ps, x, pass.cos(), pass.sin(), pass.additiveMask(), null, i, true);
    }

    /** The gradient {@code x} received, moved to {@code manager} (it outlives {@code x}'s manager). */
    private static NDArray gradientOf(NDArray x, NDManager manager) {
        NDArray g = x.getGradient();
        g.attach(manager);
        return g;
    }

    private static boolean anyTrainable(Block block) {
        for (Parameter p : block.getParameters().values()) {
            if (p.requiresGradient()) {
                return true;
            }
        }
        return false;
    }

    private static void refuseDropout(LlamaModel model) {
        for (ModuleTree.Module m : ModuleTree.modules(model)) {
            if (m.block() instanceof LoraLinear layer && layer.isAdaptersEnabled()) {
                for (String adapter : layer.getActiveAdapters()) {
                    if (layer.getDropout(adapter) > 0) {
                        throw new IllegalArgumentException("layer recomputation needs layers without dropout, but"
                                + " adapter '" + adapter + "' of model." + m.path() + " has dropout "
                                + layer.getDropout(adapter) + " (a recomputed layer would draw another mask)");
                    }
                }
            }
        }
    }
}
