package io.github.treelora.examples.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.djl.loss.CausalLmLoss;
import io.github.treelora.djl.models.llama.LlamaConfig;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.examples.backbone.Backbones;
import io.github.treelora.io.SafetensorsDType;
import io.github.treelora.io.SafetensorsWriter;
import io.github.treelora.djl.models.HostTensor;
import io.github.treelora.djl.models.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The project's self-pretrained LLaMA-architecture decoder in the Hugging Face layout: {@code config.json}
 * ({@code LlamaForCausalLM}, tied embeddings), {@code model.safetensors} (float16, Hugging Face names),
 * {@code tokenizer.json} ({@link WordLevelVocabulary}), the {@link DecoderCard} and {@value #HELD_OUT_FILE}
 * (a sample of the glosses held out of pretraining, one per line, for the perplexity check). The shipped one
 * lives on the class path under {@value #SHIPPED_RESOURCE}; {@code pretrain-decoder} ({@code examples.pretrain}) makes it.
 */
public final class Decoders {

    /** Class-path folder of the shipped decoder. */
    public static final String SHIPPED_RESOURCE = "backbones/llama-wordnet-fortunes";

    /** How the card's data field of a decoder continued with {@code pretrain-decoder --init} starts. */
    public static final String CONTINUED = "continued from a decoder pretrained with `";

    /** Held-out gloss sample file. */
    public static final String HELD_OUT_FILE = "held-out-glosses.txt";

    /** The files of a decoder directory. */
    public static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json",
            DecoderCard.FILE_NAME, HELD_OUT_FILE);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Decoders() {}

    /**
     * The Hugging Face {@code config.json} of a {@code LlamaForCausalLM}.
     *
     * @param c the configuration (no rope scaling, no biases, no sliding window)
     * @return the JSON object
     */
    public static ObjectNode hfConfig(LlamaConfig c) {
        if (c.ropeScaling() != null || c.qkvBias() || c.oProjBias() || c.mlpBias() || c.slidingWindow() != null) {
            throw new IllegalArgumentException("only plain LLaMA configurations are written: " + c);
        }
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("LlamaForCausalLM");
        o.put("model_type", "llama");
        o.put("vocab_size", c.vocabSize());
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", c.intermediateSize());
        o.put("num_hidden_layers", c.numHiddenLayers());
        o.put("num_attention_heads", c.numAttentionHeads());
        o.put("num_key_value_heads", c.numKeyValueHeads());
        o.put("head_dim", c.headDim());
        o.put("hidden_act", "silu");
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("rope_theta", c.ropeTheta());
        o.put("max_position_embeddings", c.maxPositionEmbeddings());
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        o.put("attention_bias", false);
        o.put("mlp_bias", false);
        o.put("pad_token_id", WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.PAD));
        o.put("bos_token_id", WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.BOS));
        o.put("eos_token_id", WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.EOS));
        o.put("torch_dtype", "float16");
        return o;
    }

    /**
     * Writes a decoder directory (created if needed).
     *
     * @param dir output directory
     * @param lm the trained model
     * @param vocab tokenizer vocabulary in id order
     * @param card provenance
     * @param heldOut held-out glosses to ship for the perplexity check
     * @throws IOException if a file cannot be written
     */
    public static void save(Path dir, LlamaForCausalLM lm, List<String> vocab, DecoderCard card,
            List<String> heldOut) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
        for (Map.Entry<String, HostTensor> e : StateDict.snapshot(lm).entrySet()) {
            w.putFloats(e.getKey(), SafetensorsDType.F16, e.getValue().shape(), e.getValue().data());
        }
        w.write(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(hfConfig(lm.config())));
        WordLevelVocabulary.write(dir.resolve("tokenizer.json"), vocab);
        writeCard(dir, card);
        Files.write(dir.resolve(HELD_OUT_FILE), heldOut);
    }

    /**
     * Replaces the card of a decoder directory.
     *
     * @param dir the directory
     * @param card the card
     * @throws IOException if it cannot be written
     */
    public static void writeCard(Path dir, DecoderCard card) throws IOException {
        Files.writeString(dir.resolve(DecoderCard.FILE_NAME), JSON.writeValueAsString(card));
    }

    /**
     * The shipped decoder's directory.
     *
     * @return the directory
     * @throws IOException if it is not on the class path
     */
    public static Path shipped() throws IOException {
        return Backbones.shipped(SHIPPED_RESOURCE, FILES, "pretrain-decoder");
    }

    /**
     * Opens a decoder directory's tokenizer (no padding, no truncation, no special tokens added: callers add
     * {@code <s>}, {@code <sep>} and {@code </s>} themselves).
     *
     * @param dir the decoder directory
     * @return the tokenizer; close it
     */
    public static HfTokenizer tokenizer(Path dir) {
        return HfTokenizer.open(dir.resolve("tokenizer.json"),
                new HfTokenizer.Settings(HfTokenizer.Padding.NONE, false, 0, false));
    }

    /**
     * Reads a decoder directory's card.
     *
     * @param dir the directory
     * @return the card
     * @throws IOException if it is missing or invalid
     */
    public static DecoderCard readCard(Path dir) throws IOException {
        return JSON.readValue(dir.resolve(DecoderCard.FILE_NAME).toFile(), DecoderCard.class);
    }

    /**
     * Each text as a document {@code <s> words </s>}, cut to {@code maxTokens}.
     *
     * @param tokenizer the decoder's tokenizer
     * @param texts texts
     * @param maxTokens longest document kept (longer ones are cut, keeping {@code <s>})
     * @return ids per text
     */
    public static long[][] documents(HfTokenizer tokenizer, List<String> texts, int maxTokens) {
        long[][] words = tokenizer.encode(texts).ids();
        long bos = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.BOS);
        long eos = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.EOS);
        long[][] out = new long[words.length][];
        for (int i = 0; i < words.length; i++) {
            long[] d = new long[Math.min(maxTokens, words[i].length + 2)];
            d[0] = bos;
            for (int t = 1; t < d.length; t++) {
                d[t] = t - 1 < words[i].length ? words[i][t - 1] : eos;
            }
            out[i] = d;
        }
        return out;
    }

    /**
     * Perplexity {@code exp(mean NLL)} of the tokens after {@code <s>} of each document (the {@code </s>} counts),
     * in inference mode, batches of 64 right-padded documents.
     *
     * @param lm the model
     * @param docs documents from {@link #documents}
     * @param manager a manager on the model's device
     * @return perplexity per token
     */
    public static double perplexity(LlamaForCausalLM lm, long[][] docs, NDManager manager) {
        double nll = 0;
        long count = 0;
        ParameterStore ps = new ParameterStore(manager, false);
        for (int from = 0; from < docs.length; from += 64) {
            int b = Math.min(64, docs.length - from);
            int t = 0;
            for (int i = 0; i < b; i++) {
                t = Math.max(t, docs[from + i].length);
            }
            long[] ids = new long[b * t];
            long[] mask = new long[b * t];
            long[] labels = new long[b * t];
            long counted = 0;
            for (int i = 0; i < b; i++) {
                long[] d = docs[from + i];
                for (int p = 0; p < t; p++) {
                    ids[i * t + p] = p < d.length ? d[p] : 0;
                    mask[i * t + p] = p < d.length ? 1 : 0;
                    labels[i * t + p] = p < d.length ? d[p] : CausalLmLoss.IGNORE_INDEX;
                }
                counted += d.length - 1;
            }
            try (NDManager step = manager.newSubManager()) {
                Shape s = new Shape(b, t);
                NDArray logits = lm.logits(ps, step.create(ids, s), step.create(mask, s), null, false);
                nll += CausalLmLoss.compute(logits, step.create(labels, s)).getFloat() * counted;
            }
            count += counted;
        }
        return Math.exp(nll / count);
    }
}
