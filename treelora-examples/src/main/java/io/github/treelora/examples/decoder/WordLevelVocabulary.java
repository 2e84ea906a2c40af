package io.github.treelora.examples.decoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's word-level tokenizer for its self-pretrained decoder: lower-cased words and punctuation runs
 * (Hugging Face's {@code Whitespace} pre-tokenizer, {@code \w+|[^\w\s]+}), the most frequent ones of a corpus as
 * the vocabulary, everything else {@value #UNK}. It is written as a Hugging Face {@code tokenizer.json} (model
 * {@code WordLevel}, normalizer {@code Lowercase}) that {@code ai.djl.huggingface:tokenizers} loads offline; the
 * Java side only counts words to choose the vocabulary, the native tokenizer does all encoding.
 */
public final class WordLevelVocabulary {

    /** Padding (id 0). */
    public static final String PAD = "<pad>";
    /** Unknown word (id 1). */
    public static final String UNK = "<unk>";
    /** Start of a text (id 2). */
    public static final String BOS = "<s>";
    /** End of a text (id 3). */
    public static final String EOS = "</s>";
    /** Ends a task prompt (id 4); never seen in pretraining. */
    public static final String SEP = "<sep>";
    /** The special tokens in id order. */
    public static final List<String> SPECIALS = List.of(PAD, UNK, BOS, EOS, SEP);

    /** The pre-tokenizer's split, as in Hugging Face's {@code Whitespace} pre-tokenizer (Unicode word classes). */
    private static final Pattern WORDS = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private WordLevelVocabulary() {}

    /**
     * Splits a text as the tokenizer's normalizer and pre-tokenizer do.
     *
     * @param text any text
     * @return lower-cased words and punctuation runs
     */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORDS.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /**
     * The vocabulary of a corpus: {@link #SPECIALS}, then {@code required} words, then the most frequent other
     * words (ties broken alphabetically, so the result is deterministic) up to {@code size} entries.
     *
     * @param texts the corpus
     * @param size total vocabulary size, more than the specials and required words
     * @param required words that must be in the vocabulary even if rare (e.g. answer words of a task)
     * @return tokens in id order
     */
    public static List<String> build(Collection<String> texts, int size, Collection<String> required) {
        Set<String> vocab = new LinkedHashSet<>(SPECIALS);
        for (String w : required) {
            vocab.addAll(words(w));
        }
        if (size <= vocab.size()) {
            throw new IllegalArgumentException("vocabulary size " + size + " leaves no room beyond the "
                    + vocab.size() + " special and required tokens");
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String t : texts) {
            for (String w : words(t)) {
                counts.merge(w, 1, Integer::sum);
            }
        }
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, Integer> e : sorted) {
            if (vocab.size() >= size) {
                break;
            }
            vocab.add(e.getKey());
        }
        return List.copyOf(vocab);
    }

    /**
     * Writes the Hugging Face {@code tokenizer.json}.
     *
     * @param file the output file
     * @param vocab tokens in id order, starting with {@link #SPECIALS}
     * @throws IOException if it cannot be written
     */
    public static void write(Path file, List<String> vocab) throws IOException {
        if (!vocab.subList(0, SPECIALS.size()).equals(SPECIALS)) {
            throw new IllegalArgumentException("the vocabulary must start with " + SPECIALS);
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", SPECIALS.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode ids = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        model.put("unk_token", UNK);
        Files.writeString(file, json.writeValueAsString(root));
    }

    /**
     * Reads the vocabulary of a {@code tokenizer.json} that {@link #write} wrote.
     *
     * @param file the tokenizer file
     * @return tokens in id order, starting with {@link #SPECIALS}
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException naming the file if it is not a word-level tokenizer with ids 0..n-1 that
     *     start with {@link #SPECIALS}
     */
    public static List<String> read(Path file) throws IOException {
        JsonNode model = new ObjectMapper().readTree(file.toFile()).path("model");
        if (!"WordLevel".equals(model.path("type").asText()) || !model.path("vocab").isObject()) {
            throw new IllegalArgumentException(file + ": not a word-level tokenizer (model.type must be WordLevel "
                    + "with a model.vocab object)");
        }
        JsonNode vocab = model.get("vocab");
        String[] byId = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt(-1);
            if (!e.getValue().isInt() || id < 0 || id >= byId.length || byId[id] != null) {
                throw new IllegalArgumentException(file + ": model.vocab['" + e.getKey() + "'] = " + e.getValue()
                        + " is not a distinct id in 0.." + (byId.length - 1));
            }
            byId[id] = e.getKey();
        }
        List<String> out = List.of(byId);
        if (out.size() < SPECIALS.size() || !out.subList(0, SPECIALS.size()).equals(SPECIALS)) {
            throw new IllegalArgumentException(file + ": the vocabulary must start with " + SPECIALS);
        }
        return out;
    }
}
