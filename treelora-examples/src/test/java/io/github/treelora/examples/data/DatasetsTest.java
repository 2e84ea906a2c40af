package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dataset value classes and the facade's behaviour on an empty cache. */
class DatasetsTest {
    @TempDir
    Path cache;

    @Test
    void missingDatasetsNameTheFileAndTheFetchCommand() throws Exception {
        String m = assertThrows(MissingDatasetException.class, () -> Datasets.mnist(cache)).getMessage();
        assertTrue(m.contains("MNIST is not in the data cache: " + cache.resolve("mnist/train-images-idx3-ubyte")
                + " is missing"), m);
        assertTrue(m.contains("treelora-examples/scripts/fetch-data.sh '" + cache.toAbsolutePath() + "'"), m);
        String f = assertThrows(MissingDatasetException.class, () -> Datasets.fashionMnist(cache)).getMessage();
        assertTrue(f.contains("fashion-mnist/train-images-idx3-ubyte.gz is missing"), f);
        Files.createDirectories(cache.resolve("wordnet"));
        Files.writeString(cache.resolve("wordnet/data.noun"), "");
        String w = assertThrows(MissingDatasetException.class, () -> Datasets.wordnet(cache)).getMessage();
        assertTrue(w.contains("wordnet/data.verb is missing") && w.contains("fetch-data.sh"), w);
    }

    @Test
    void imageDatasetCopiesItsInputAndValidates() {
        byte[] px = {0, (byte) 255, 51, 102, 1, 2, 3, 4};
        int[] labels = {1, 0};
        ImageDataset d = ImageDataset.of("d", 2, 2, px, labels, List.of("a", "b"));
        px[0] = 9;
        labels[0] = 0;
        assertEquals(0, d.rawPixel(0, 0, 0));
        assertEquals(1, d.label(0));
        assertArrayEquals(new float[] {0f, 1f, 0.2f, 0.4f}, d.image(0));
        d.labels()[0] = 0; // a copy
        assertEquals(1, d.label(0));
        ImageDataset sub = d.subset(new int[] {1, 1});
        assertArrayEquals(new int[] {0, 0}, sub.labels());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, sub.rawImage(1));
        assertArrayEquals(new float[] {1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f, 0f, 1f, 0.2f, 0.4f},
                d.toFloatArray(new int[] {1, 0}));
        assertArrayEquals(new int[] {1, 1}, d.classCounts());
        String bad = assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of("d", 2, 2, new byte[8], new int[] {0, 2}, List.of("a", "b"))).getMessage();
        assertTrue(bad.contains("d: label 2 of sample 1 is outside 0..1"), bad);
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of("d", 2, 2, new byte[7], new int[] {0, 1}, List.of("a", "b")));
        assertThrows(IndexOutOfBoundsException.class, () -> d.subset(new int[] {2}));
    }

    @Test
    void textDatasetValidatesSizesAndLabels() {
        TextDataset t = TextDataset.of("t", List.of("x", "y", "z"), new int[] {2, 0, 2}, List.of("a", "b", "c"));
        assertArrayEquals(new int[] {1, 0, 2}, t.classCounts());
        assertEquals(List.of("z", "x"), t.subset(new int[] {2, 0}).texts());
        assertThrows(IllegalArgumentException.class,
                () -> TextDataset.of("t", List.of("x"), new int[] {0, 1}, List.of("a", "b")));
        assertThrows(IllegalArgumentException.class,
                () -> TextDataset.of("t", List.of("x"), new int[] {-1}, List.of("a", "b")));
        assertThrows(IllegalArgumentException.class, () -> new TrainTest<>(t,
                TextDataset.of("u", List.of("x"), new int[] {0}, List.of("a"))));
    }
}
