package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleContainer;
import io.github.treelora.djl.models.ModuleList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Module paths equal Hugging Face's and replaced children are used by the forward pass. */
class LlamaModuleTreeTest {

    private static void paths(String prefix, ModuleContainer c, List<String> out) {
        for (Map.Entry<String, Block> e : c.namedModules().entrySet()) {
            out.add(prefix + e.getKey());
            if (e.getValue() instanceof ModuleContainer child) {
                paths(prefix + e.getKey() + ".", child, out);
            }
        }
    }

    @Test
    void modulePathsAreHuggingFaceNames() {
        LlamaForCausalLM model = new LlamaForCausalLM(LlamaConfig.llama(32, 16, 24, 2, 4, 2, 64));
        List<String> got = new ArrayList<>();
        paths("", model, got);
        List<String> want = new ArrayList<>(List.of("model", "model.embed_tokens", "model.layers"));
        for (int i = 0; i < 2; i++) {
            String p = "model.layers." + i;
            want.addAll(List.of(p, p + ".input_layernorm", p + ".self_attn", p + ".self_attn.q_proj",
                    p + ".self_attn.k_proj", p + ".self_attn.v_proj", p + ".self_attn.o_proj",
                    p + ".post_attention_layernorm", p + ".mlp", p + ".mlp.gate_proj", p + ".mlp.up_proj",
                    p + ".mlp.down_proj"));
        }
        want.addAll(List.of("model.norm", "lm_head"));
        assertEquals(want, got);
        assertTrue(model.model().namedModules().get("layers") instanceof ModuleList<?> list
                && list.get(1) instanceof LlamaDecoderLayer);
    }

    @Test
    void djlForwardTakesIdsAndMask() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = LlamaGoldenTest.load("llama-gqa-llama3rope", manager);
            ParameterStore ps = new ParameterStore(manager, false);
            Shape s = new Shape(1, 4);
            NDList out = model.forward(ps, new NDList(manager.create(new long[] {5, 6, 7, 8}, s),
                    manager.create(new long[] {0, 1, 1, 1}, s)), false);
            assertEquals(new Shape(1, 4, 96), out.singletonOrThrow().getShape());
            // With the leading pad, tokens 6, 7, 8 sit at positions 0, 1, 2: same logits as the unpadded input.
            float[] unpadded = model.logits(ps, manager.create(new long[] {6, 7, 8}, new Shape(1, 3)), null, null,
                    false).toFloatArray();
            float[] padded = out.singletonOrThrow().toFloatArray();
            assertArrayEquals(unpadded, java.util.Arrays.copyOfRange(padded, 96, 4 * 96), 1e-5f);
        }
    }

    /** Delegates to a wrapped block and counts calls: stands in for a LoRA wrapper. */
    private static final class CountingWrapper extends AbstractBlock {
        final Block inner;
        int calls;

        CountingWrapper(Block inner) {
            this.inner = inner;
            addChildBlock("base", inner);
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            calls++;
            return inner.forward(ps, inputs, training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inner.getOutputShapes(inputShapes);
        }
    }

    @Test
    void replacedProjectionIsUsedAndSeenByDjl() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM model = LlamaGoldenTest.load("qwen2-bias-tied", manager);
            ParameterStore ps = new ParameterStore(manager, false);
            long[] ids = {1, 2, 3, 4};
            float[] before = model.logits(ps, manager.create(ids, new Shape(1, 4)), null, null, false)
                    .toFloatArray();
            LlamaAttention attn = model.model().layers().get(1).attention();
            Block q = attn.namedModules().get("q_proj");
            assertTrue(q instanceof Linear);
            int paramCount = model.getParameters().size();
            CountingWrapper wrapper = new CountingWrapper(q);
            attn.replaceModule("q_proj", wrapper);
            assertSame(wrapper, attn.namedModules().get("q_proj"));
            assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj"), attn.moduleNames());
            // DJL's parameter list follows the replacement (the wrapped Linear's weight and bias).
            assertEquals(paramCount, model.getParameters().size());
            float[] after = model.logits(ps, manager.create(ids, new Shape(1, 4)), null, null, false)
                    .toFloatArray();
            assertEquals(1, wrapper.calls);
            assertArrayEquals(before, after, 0f);

            assertThrows(IllegalArgumentException.class, () -> attn.replaceModule("qproj", wrapper));
            assertThrows(IllegalArgumentException.class,
                    () -> model.model().layers().get(0).replaceModule("self_attn", wrapper));
        }
    }
}
