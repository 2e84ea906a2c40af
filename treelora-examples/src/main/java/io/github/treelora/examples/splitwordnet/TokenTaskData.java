package io.github.treelora.examples.splitwordnet;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.djl.cl.LabeledBatch;
import io.github.treelora.djl.cl.LabeledTaskData;
import io.github.treelora.djl.cl.TaskData;
import io.github.treelora.djl.models.HfTokenizer;
import java.util.List;
import java.util.Objects;

/**
 * {@link TaskData} over token sequences of one fixed length: token ids and attention masks held on the host,
 * batches {@code NDList(input_ids [B, T], attention_mask [B, T])} (int64), the first two inputs of {@link
 * io.github.treelora.djl.models.bert.BertModel} (token type ids default to zeros there). A {@link
 * io.github.treelora.djl.cl.PooledBackbone} with {@code MEAN} pooling reads the mask as its second input.
 */
public final class TokenTaskData extends LabeledTaskData {

    private final int length;
    private final long[] ids;
    private final long[] mask;

    /**
     * Sequences given row by row (copied).
     *
     * @param ids token ids, one row per sample, all rows of the same length (at least 1); ids are non-negative
     * @param attentionMask 1 for tokens, 0 for padding, same shape as {@code ids}; each row starts with a token
     * @param labels global class id per sample
     * @throws IllegalArgumentException if counts or row lengths disagree, an id is negative, a mask value is not 0
     *     or 1, or a row has no token (the message names the sample and position)
     */
    public TokenTaskData(long[][] ids, long[][] attentionMask, int[] labels) {
        super(labels);
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(attentionMask, "attentionMask");
        if (ids.length != labels.length || attentionMask.length != labels.length) {
            throw new IllegalArgumentException(ids.length + " id rows and " + attentionMask.length
                    + " mask rows but " + labels.length + " labels");
        }
        int t = ids.length == 0 ? 1 : ids[0].length;
        if (t < 1) {
            throw new IllegalArgumentException("sequence length must be >= 1, sample 0 has no tokens");
        }
        long[] flatIds = new long[ids.length * t];
        long[] flatMask = new long[ids.length * t];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != t || attentionMask[i].length != t) {
                throw new IllegalArgumentException("sample " + i + " has " + ids[i].length + " ids and "
                        + attentionMask[i].length + " mask values, sample 0 has " + t + ": pad to a fixed length");
            }
            if (attentionMask[i][0] != 1) {
                throw new IllegalArgumentException("sample " + i + ": the attention mask must start with a token (1), "
                        + "got " + attentionMask[i][0]);
            }
            for (int j = 0; j < t; j++) {
                if (ids[i][j] < 0) {
                    throw new IllegalArgumentException("sample " + i + ", position " + j + ": negative token id "
                            + ids[i][j]);
                }
                if (attentionMask[i][j] != 0 && attentionMask[i][j] != 1) {
                    throw new IllegalArgumentException("sample " + i + ", position " + j + ": attention mask value "
                            + attentionMask[i][j] + " is not 0 or 1");
                }
            }
            System.arraycopy(ids[i], 0, flatIds, i * t, t);
            System.arraycopy(attentionMask[i], 0, flatMask, i * t, t);
        }
        this.length = t;
        this.ids = flatIds;
        this.mask = flatMask;
    }

    /**
     * Tokenizes texts with a tokenizer that pads and truncates to a fixed length.
     *
     * @param tokenizer a tokenizer with {@link HfTokenizer.Padding#MAX_LENGTH} padding and truncation, e.g.
     *     {@link HfTokenizer.Settings#fixed(int)}
     * @param texts the samples
     * @param labels global class id per text
     * @return the data
     * @throws IllegalArgumentException if the tokenizer does not give fixed-length rows or the counts disagree
     */
    public static TokenTaskData encode(HfTokenizer tokenizer, List<String> texts, int[] labels) {
        HfTokenizer.Settings s = tokenizer.settings();
        if (s.padding() != HfTokenizer.Padding.MAX_LENGTH || !s.truncation()) {
            throw new IllegalArgumentException("the tokenizer must pad and truncate to a fixed length "
                    + "(HfTokenizer.Settings.fixed), got " + s);
        }
        if (texts.size() != labels.length) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
        }
        if (texts.isEmpty()) {
            return new TokenTaskData(new long[0][], new long[0][], labels);
        }
        HfTokenizer.Batch b = tokenizer.encode(texts);
        return new TokenTaskData(b.ids(), b.attentionMask(), labels);
    }

    /**
     * The fixed sequence length T.
     *
     * @return tokens per sample, padding included
     */
    public int sequenceLength() {
        return length;
    }

    /**
     * The token ids of one sample.
     *
     * @param index sample index
     * @return a copy of its T ids
     */
    public long[] ids(int index) {
        int i = Objects.checkIndex(index, size());
        long[] row = new long[length];
        System.arraycopy(ids, i * length, row, 0, length);
        return row;
    }

    /**
     * The attention mask of one sample.
     *
     * @param index sample index
     * @return a copy of its T mask values
     */
    public long[] attentionMask(int index) {
        int i = Objects.checkIndex(index, size());
        long[] row = new long[length];
        System.arraycopy(mask, i * length, row, 0, length);
        return row;
    }

    @Override
    public LabeledBatch batch(int[] indices, NDManager manager) {
        long[] x = new long[indices.length * length];
        long[] m = new long[indices.length * length];
        int[] y = labels(indices);
        for (int b = 0; b < indices.length; b++) {
            System.arraycopy(ids, indices[b] * length, x, b * length, length);
            System.arraycopy(mask, indices[b] * length, m, b * length, length);
        }
        Shape shape = new Shape(indices.length, length);
        return new LabeledBatch(new NDList(manager.create(x, shape), manager.create(m, shape)), manager.create(y));
    }

    @Override
    public String toString() {
        return "TokenTaskData{" + size() + " sequences of " + length + " tokens}";
    }
}
