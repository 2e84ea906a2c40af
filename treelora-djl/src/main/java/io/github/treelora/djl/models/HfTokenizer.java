package io.github.treelora.djl.models;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A Hugging Face {@code tokenizer.json} (DJL's {@link HuggingFaceTokenizer}, native and offline) with padding and
 * truncation set explicitly by {@link Settings}, overriding whatever the file fixes (the all-MiniLM-L6-v2 file,
 * for example, pads and truncates everything to 128 tokens). Results are the three BERT-style inputs as
 * {@code long[][]} or {@code int64} NDArrays.
 */
public final class HfTokenizer implements AutoCloseable {

    /** How sequences of a batch are padded. */
    public enum Padding {
        /** No padding: each sequence keeps its own length. */
        NONE,
        /** Pad every sequence of a batch to the longest one. */
        LONGEST,
        /** Pad every sequence to {@link Settings#maxLength()}. */
        MAX_LENGTH
    }

    /**
     * Padding and truncation settings.
     *
     * @param padding the padding strategy
     * @param truncation whether sequences longer than {@code maxLength} are cut (special tokens are kept)
     * @param maxLength the length {@code MAX_LENGTH} padding and truncation use; ignored otherwise ({@code 0})
     * @param addSpecialTokens whether {@code [CLS]}/{@code [SEP]} (or the model's equivalents) are added
     */
    public record Settings(Padding padding, boolean truncation, int maxLength, boolean addSpecialTokens) {

        /**
         * Validates that a length is given whenever one is used.
         *
         * @param padding the padding strategy
         * @param truncation whether sequences longer than {@code maxLength} are cut (special tokens are kept)
         * @param maxLength the length {@code MAX_LENGTH} padding and truncation use; ignored otherwise ({@code 0})
         * @param addSpecialTokens whether {@code [CLS]}/{@code [SEP]} (or the model's equivalents) are added
         */
        public Settings {
            Objects.requireNonNull(padding, "padding");
            if ((padding == Padding.MAX_LENGTH || truncation) && maxLength <= 0) {
                throw new IllegalArgumentException(
                        "maxLength must be > 0 with padding " + padding + " and truncation " + truncation
                                + ", got " + maxLength);
            }
        }

        /**
         * No padding and no truncation, with special tokens.
         *
         * @return the settings
         */
        public static Settings none() {
            return new Settings(Padding.NONE, false, 0, true);
        }

        /**
         * Batches padded to their longest sequence and cut at {@code maxLength}, with special tokens.
         *
         * @param maxLength the longest allowed sequence, special tokens included
         * @return the settings
         */
        public static Settings longest(int maxLength) {
            return new Settings(Padding.LONGEST, true, maxLength, true);
        }

        /**
         * Every sequence padded and cut to exactly {@code maxLength}, with special tokens.
         *
         * @param maxLength the sequence length
         * @return the settings
         */
        public static Settings fixed(int maxLength) {
            return new Settings(Padding.MAX_LENGTH, true, maxLength, true);
        }
    }

    /**
     * A tokenized batch, row {@code b} for text {@code b}.
     *
     * @param ids token ids
     * @param attentionMask 1 for tokens, 0 for padding
     * @param typeIds token type (segment) ids
     */
    public record Batch(long[][] ids, long[][] attentionMask, long[][] typeIds) {

        /**
         * The batch as {@code [B, T]} int64 arrays {@code (input_ids, attention_mask, token_type_ids)}, the input
         * order of {@link io.github.treelora.djl.models.bert.BertModel}.
         *
         * @param manager the manager that owns the arrays
         * @return the three arrays
         * @throws IllegalArgumentException if the rows have different lengths (use padding)
         */
        public NDList toNDList(NDManager manager) {
            int rows = ids.length;
            int cols = rows == 0 ? 0 : ids[0].length;
            long[] flatIds = new long[rows * cols];
            long[] flatMask = new long[rows * cols];
            long[] flatTypes = new long[rows * cols];
            for (int b = 0; b < rows; b++) {
                if (ids[b].length != cols) {
                    throw new IllegalArgumentException("row " + b + " has " + ids[b].length + " tokens, row 0 has "
                            + cols + ": pad the batch (Padding.LONGEST or MAX_LENGTH) to make arrays");
                }
                System.arraycopy(ids[b], 0, flatIds, b * cols, cols);
                System.arraycopy(attentionMask[b], 0, flatMask, b * cols, cols);
                System.arraycopy(typeIds[b], 0, flatTypes, b * cols, cols);
            }
            Shape shape = new Shape(rows, cols);
            return new NDList(manager.create(flatIds, shape), manager.create(flatMask, shape),
                    manager.create(flatTypes, shape));
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Settings settings;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, Settings settings) {
        this.tokenizer = tokenizer;
        this.settings = settings;
    }

    /**
     * Loads a {@code tokenizer.json} (or the one in a checkpoint directory) with the given settings.
     *
     * @param path a {@code tokenizer.json} file, or a directory holding one
     * @param settings padding and truncation, applied in place of the file's own
     * @return the tokenizer; close it to free the native tokenizer
     * @throws IllegalArgumentException if the file does not exist or cannot be parsed
     */
    public static HfTokenizer open(Path path, Settings settings) {
        Objects.requireNonNull(settings, "settings");
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": tokenizer file does not exist");
        }
        HuggingFaceTokenizer.Builder b = HuggingFaceTokenizer.builder().optTokenizerPath(file)
                .optAddSpecialTokens(settings.addSpecialTokens())
                .optTruncation(settings.truncation());
        // Both options are always set: unset ones fall back to the file's padding/truncation.
        switch (settings.padding()) {
            case NONE -> b.optPadding(false);
            case LONGEST -> b.optPadding(true);
            case MAX_LENGTH -> b.optPadToMaxLength();
            default -> throw new AssertionError(settings.padding());
        }
        if (settings.maxLength() > 0) {
            b.optMaxLength(settings.maxLength());
        }
        try {
            return new HfTokenizer(b.build(), settings);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a usable tokenizer.json: " + e.getMessage(), e);
        }
    }

    /**
     * The settings in effect.
     *
     * @return the settings
     */
    public Settings settings() {
        return settings;
    }

    /**
     * Tokenizes texts as one batch (padding, if any, applies across the batch).
     *
     * @param texts the texts
     * @return ids, attention mask and type ids, one row per text
     */
    public Batch encode(List<String> texts) {
        Encoding[] enc = tokenizer.batchEncode(texts);
        long[][] ids = new long[enc.length][];
        long[][] mask = new long[enc.length][];
        long[][] types = new long[enc.length][];
        for (int i = 0; i < enc.length; i++) {
            ids[i] = enc[i].getIds();
            mask[i] = enc[i].getAttentionMask();
            types[i] = enc[i].getTypeIds();
        }
        return new Batch(ids, mask, types);
    }

    /**
     * Tokenizes texts as one batch.
     *
     * @param texts the texts
     * @return ids, attention mask and type ids, one row per text
     */
    public Batch encode(String... texts) {
        return encode(List.of(texts));
    }

    /** Frees the native tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
    }
}
