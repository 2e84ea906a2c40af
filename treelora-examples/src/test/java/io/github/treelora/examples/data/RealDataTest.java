package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Checks the real datasets in {@link Datasets#defaultCache()} against published or independently
 * computed facts. Without the data these tests are skipped, unless {@code TREELORA_REQUIRE_DATA=true},
 * in which case they fail and print the fetch command (CI sets it after running the fetch script).
 *
 * <p>References: MNIST class counts and mean/std 0.1307/0.3081 (the normalisation constants used by
 * torchvision examples), Fashion-MNIST's balanced 6,000/1,000 per class and mean/std 0.2860/0.3530;
 * all re-checked with numpy on the same files. WordNet counts were computed with {@code grep -v '^  '
 * data.noun | awk '{print $2}' | sort | uniq -c}.
 */
class RealDataTest {
    private static final Path CACHE = Datasets.defaultCache();

    /** Loads a dataset, skipping (or failing, when data is required) if it is absent; logs the load time. */
    private static <T> T loadOrSkip(String what, RequiredData.Load<T> loader) throws IOException {
        long t0 = System.nanoTime();
        T value = RequiredData.require(loader);
        System.out.printf("[RealDataTest] %s loaded from %s in %d ms%n", what, CACHE, (System.nanoTime() - t0) / 1_000_000);
        return value;
    }

    /** Mean and standard deviation of all pixels in [0, 1], in double precision. */
    private static double[] meanStd(ImageDataset d) {
        double sum = 0;
        double sumSq = 0;
        float[] buf = new float[d.pixelsPerImage()];
        for (int i = 0; i < d.size(); i++) {
            d.copyImage(i, buf, 0);
            for (float v : buf) {
                sum += v;
                sumSq += (double) v * v;
            }
        }
        double n = (double) d.size() * d.pixelsPerImage();
        double mean = sum / n;
        return new double[] {mean, Math.sqrt(sumSq / n - mean * mean)};
    }

    @Test
    void mnistMatchesThePublishedCounts() throws IOException {
        TrainTest<ImageDataset> m = loadOrSkip("MNIST", () -> Datasets.mnist(CACHE));
        assertEquals(60000, m.train().size());
        assertEquals(10000, m.test().size());
        assertEquals(28, m.train().height());
        assertEquals(28, m.train().width());
        assertArrayEquals(new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
                m.train().classCounts());
        assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009},
                m.test().classCounts());
        assertEquals(5, m.train().label(0));
        assertEquals(7, m.test().label(0));
        double[] ms = meanStd(m.train());
        assertEquals(0.1307, ms[0], 1e-4);
        assertEquals(0.3081, ms[1], 1e-4);

        SplitTasks<ImageDataset> split = SplitTasks.splitMnist(m, SplitOptions.full());
        int train = 0;
        for (TaskSplit<ImageDataset> t : split.tasks()) {
            train += t.train().size();
        }
        assertEquals(60000, train);
        assertEquals(5923 + 6742, split.task(0).train().size());
        assertEquals(974 + 1009, split.task(4).test().size());
    }

    @Test
    void fashionMnistIsBalanced() throws IOException {
        TrainTest<ImageDataset> f = loadOrSkip("Fashion-MNIST", () -> Datasets.fashionMnist(CACHE));
        int[] train = f.train().classCounts();
        int[] test = f.test().classCounts();
        for (int c = 0; c < 10; c++) {
            assertEquals(6000, train[c]);
            assertEquals(1000, test[c]);
        }
        assertEquals(9, f.train().label(0)); // the first training image is an ankle boot
        double[] ms = meanStd(f.train());
        assertEquals(0.2860, ms[0], 1e-4);
        assertEquals(0.3530, ms[1], 1e-4);
    }

    @Test
    void wordnetHas41SupersensesAndSplitsIntoFiveTasks() throws IOException {
        TextDataset w = loadOrSkip("WordNet", () -> Datasets.wordnet(CACHE));
        assertEquals(82192 + 13789, w.size());
        int[] counts = w.classCounts();
        int nonEmpty = 0;
        for (int c : counts) {
            nonEmpty += c > 0 ? 1 : 0;
        }
        assertEquals(41, nonEmpty);
        assertEquals(11605, counts[6]); // noun.artifact
        assertEquals(11073, counts[18]); // noun.person
        assertEquals(1276, counts[23]); // noun.quantity, the smallest Split-WordNet class
        assertEquals(51, counts[3]); // noun.Tops
        assertEquals(81, counts[43]); // verb.weather
        assertTrue(w.text(0).startsWith("that which is perceived or known"), w.text(0));
        assertTrue(w.text(82192).startsWith("draw air into, and expel out of, the lungs"), w.text(82192));

        SplitTasks<TextDataset> s = SplitTasks.splitWordNet(w, SplitTasks.WORDNET_DEFAULTS);
        assertEquals(5, s.numTasks());
        for (TaskSplit<TextDataset> t : s.tasks()) {
            assertEquals(4000, t.train().size());
            assertEquals(1000, t.test().size());
        }
    }
}
