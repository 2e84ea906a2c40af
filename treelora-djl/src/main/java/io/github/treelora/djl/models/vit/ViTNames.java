package io.github.treelora.djl.models.vit;

import io.github.treelora.djl.models.TensorSource;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two module-name schemes of Hugging Face ViT weights. transformers 4.x named a layer's modules
 * {@code encoder.layer.N.attention.attention.query}, {@code ...attention.output.dense},
 * {@code ...intermediate.dense} and {@code ...output.dense}; transformers 5.x names the same modules
 * {@code layers.N.attention.q_proj}, {@code ...o_proj}, {@code ...mlp.fc1} and {@code ...mlp.fc2} in memory (its
 * {@code save_pretrained} still writes the 4.x names, but a state dict saved directly carries the new ones). This
 * library's ViT uses the 4.x names; weights in the 5.x scheme are renamed on load.
 */
final class ViTNames {

    private static final Pattern V5_LAYER = Pattern.compile("(^|.*\\.)layers\\.(\\d+)\\.(.+)$");
    private static final List<String[]> SUFFIXES = List.of(
            new String[] {"attention.q_proj.", "attention.attention.query."},
            new String[] {"attention.k_proj.", "attention.attention.key."},
            new String[] {"attention.v_proj.", "attention.attention.value."},
            new String[] {"attention.o_proj.", "attention.output.dense."},
            new String[] {"mlp.fc1.", "intermediate.dense."},
            new String[] {"mlp.fc2.", "output.dense."},
            new String[] {"layernorm_before.", "layernorm_before."},
            new String[] {"layernorm_after.", "layernorm_after."});

    private ViTNames() {}

    /**
     * The weights under 4.x names: renamed when they use the 5.x scheme, else as they are.
     *
     * @param source the checkpoint's tensors
     * @return a view under 4.x names
     */
    static TensorSource toV4(TensorSource source) {
        boolean v5 = source.names().stream().anyMatch(n -> V5_LAYER.matcher(n).matches());
        return v5 ? source.renamed(ViTNames::v4Name) : source;
    }

    static String v4Name(String name) {
        Matcher m = V5_LAYER.matcher(name);
        if (!m.matches()) {
            return name;
        }
        String rest = m.group(3);
        for (String[] s : SUFFIXES) {
            if (rest.startsWith(s[0])) {
                return m.group(1) + "encoder.layer." + m.group(2) + "." + s[1] + rest.substring(s[0].length());
            }
        }
        return name; // not a module of the scheme: left as is, so strict loading reports it by its own name
    }
}
