package io.github.treelora.examples.splitwordnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.treelora.djl.cl.LabeledBatch;
import io.github.treelora.djl.models.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenTaskData} on token ids checked by hand against the bert-base-uncased vocabulary that
 * all-MiniLM-L6-v2 uses: [CLS] = 101, [SEP] = 102, [PAD] = 0, hello = 7592, world = 2088, this = 2023,
 * is = 2003, a = 1037, test = 3231.
 */
class TokenTaskDataTest {
    private static final Path TOKENIZER = SplitWordNetCommand.MINILM_CANDIDATES.get(0)
            .resolve(SplitWordNetCommand.TOKENIZER_FILE);

    private static final long[] HELLO = {101, 7592, 2088, 102, 0, 0, 0, 0};
    private static final long[] HELLO_MASK = {1, 1, 1, 1, 0, 0, 0, 0};
    private static final long[] TEST = {101, 2023, 2003, 1037, 3231, 102, 0, 0};
    private static final long[] TEST_MASK = {1, 1, 1, 1, 1, 1, 0, 0};

    @Test
    void tokenizesToFixedLengthAndBatchesIdsAndMask() {
        Assumptions.assumeTrue(Files.isRegularFile(TOKENIZER), TOKENIZER + " is unpacked by the build");
        try (HfTokenizer tok = HfTokenizer.open(TOKENIZER, HfTokenizer.Settings.fixed(8));
                NDManager manager = NDManager.newBaseManager()) {
            TokenTaskData data = TokenTaskData.encode(tok, List.of("hello world", "this is a test",
                    "hello world hello world hello world"), new int[] {7, 3, 7});
            assertEquals(3, data.size());
            assertEquals(8, data.sequenceLength());
            assertArrayEquals(HELLO, data.ids(0));
            assertArrayEquals(HELLO_MASK, data.attentionMask(0));
            assertArrayEquals(TEST, data.ids(1));
            assertArrayEquals(TEST_MASK, data.attentionMask(1));
            assertArrayEquals(new long[] {101, 7592, 2088, 7592, 2088, 7592, 2088, 102}, data.ids(2), "cut at 8");
            assertEquals(3, data.label(1));

            LabeledBatch b = data.batch(new int[] {1, 0, 1}, manager);
            NDList in = b.inputs();
            assertEquals(2, in.size());
            assertEquals(new Shape(3, 8), in.get(0).getShape());
            assertEquals(DataType.INT64, in.get(0).getDataType());
            assertEquals(DataType.INT64, in.get(1).getDataType());
            long[] ids = in.get(0).toLongArray();
            long[] mask = in.get(1).toLongArray();
            long[][] wantIds = {TEST, HELLO, TEST};
            long[][] wantMask = {TEST_MASK, HELLO_MASK, TEST_MASK};
            for (int r = 0; r < 3; r++) {
                for (int j = 0; j < 8; j++) {
                    assertEquals(wantIds[r][j], ids[r * 8 + j], "id " + r + "," + j);
                    assertEquals(wantMask[r][j], mask[r * 8 + j], "mask " + r + "," + j);
                }
            }
            assertArrayEquals(new int[] {3, 7, 3}, b.labels().toIntArray());
            assertThrows(IndexOutOfBoundsException.class, () -> data.batch(new int[] {3}, manager));
        }
    }

    @Test
    void rejectsTokenizersWithoutFixedLength() {
        Assumptions.assumeTrue(Files.isRegularFile(TOKENIZER), TOKENIZER + " is unpacked by the build");
        try (HfTokenizer tok = HfTokenizer.open(TOKENIZER, HfTokenizer.Settings.longest(8))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TokenTaskData.encode(tok, List.of("hello"), new int[] {0}));
            assertTrue(e.getMessage().contains("fixed length"), e.getMessage());
        }
    }

    @Test
    void rejectsInconsistentRowsNamingTheSample() {
        long[][] ids = {HELLO, TEST};
        long[][] masks = {HELLO_MASK, TEST_MASK};
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TokenTaskData(ids, masks, new int[] {1})).getMessage().contains("labels"));
        long[][] ragged = {HELLO, {101, 102}};
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TokenTaskData(ragged, masks, new int[] {1, 2})).getMessage().contains("sample 1"));
        long[][] badMask = {HELLO_MASK, {1, 1, 2, 0, 0, 0, 0, 0}};
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TokenTaskData(ids, badMask, new int[] {1, 2})).getMessage()
                .contains("sample 1, position 2"));
        long[][] emptyMask = {HELLO_MASK, new long[8]};
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TokenTaskData(ids, emptyMask, new int[] {1, 2})).getMessage().contains("sample 1"));
    }
}
