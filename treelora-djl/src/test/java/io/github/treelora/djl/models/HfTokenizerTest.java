package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The all-MiniLM-L6-v2 tokenizer.json (padding and truncation fixed at 128 in the file) with our settings.
 * Expected ids are bert-base-uncased word pieces, checked by hand in its vocab.txt: [PAD] = 0, [CLS] = 101,
 * [SEP] = 102, hello = 7592, world = 2088.
 */
class HfTokenizerTest {

    private static final Path FILE = MiniLmGoldenTest.DIR.resolve("all-minilm-l6-v2-tokenizer.json");

    private static HfTokenizer open(HfTokenizer.Settings settings) {
        assertTrue(Files.isRegularFile(FILE), "missing " + FILE + " (unpacked at generate-test-resources)");
        return HfTokenizer.open(FILE, settings);
    }

    @Test
    void noPaddingOverridesTheFilesFixed128() {
        try (HfTokenizer t = open(HfTokenizer.Settings.none())) {
            HfTokenizer.Batch b = t.encode("hello world");
            assertArrayEquals(new long[][] {{101, 7592, 2088, 102}}, b.ids());
            assertArrayEquals(new long[][] {{1, 1, 1, 1}}, b.attentionMask());
            assertArrayEquals(new long[][] {{0, 0, 0, 0}}, b.typeIds());
            // Without truncation a long text keeps every token (the file alone would cut at 128).
            String longText = "hello ".repeat(200).trim();
            assertEquals(202, t.encode(longText).ids()[0].length);
        }
    }

    @Test
    void fixedLengthPadsAndTruncates() {
        try (HfTokenizer t = open(HfTokenizer.Settings.fixed(6))) {
            HfTokenizer.Batch b = t.encode("hello world", "hello world hello world hello world");
            assertArrayEquals(new long[] {101, 7592, 2088, 102, 0, 0}, b.ids()[0]);
            assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0}, b.attentionMask()[0]);
            assertArrayEquals(new long[] {101, 7592, 2088, 7592, 2088, 102}, b.ids()[1], "cut, [SEP] kept");
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1}, b.attentionMask()[1]);
        }
    }

    @Test
    void longestPadsToTheBatchAndMakesArrays() {
        try (HfTokenizer t = open(HfTokenizer.Settings.longest(16)); NDManager m = NDManager.newBaseManager("PyTorch")) {
            HfTokenizer.Batch b = t.encode(List.of("hello world", "hello"));
            assertArrayEquals(new long[][] {{101, 7592, 2088, 102}, {101, 7592, 102, 0}}, b.ids());
            NDList arrays = b.toNDList(m);
            assertEquals(3, arrays.size());
            assertEquals(new Shape(2, 4), arrays.get(0).getShape());
            assertEquals(DataType.INT64, arrays.get(0).getDataType());
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, arrays.get(1).toLongArray());
            assertArrayEquals(new long[8], arrays.get(2).toLongArray());
        }
        try (HfTokenizer t = open(HfTokenizer.Settings.none()); NDManager m = NDManager.newBaseManager("PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.encode("hello world", "hello").toNDList(m));
            assertTrue(e.getMessage().contains("pad"), e.getMessage());
        }
    }

    @Test
    void invalidSettingsAndMissingFilesAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new HfTokenizer.Settings(HfTokenizer.Padding.MAX_LENGTH, false, 0, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HfTokenizer.open(Path.of("no/such/tokenizer.json"), HfTokenizer.Settings.none()));
        assertTrue(e.getMessage().contains("no/such/tokenizer.json"), e.getMessage());
    }
}
