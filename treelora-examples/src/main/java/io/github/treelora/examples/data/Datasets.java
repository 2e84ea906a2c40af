package io.github.treelora.examples.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

/**
 * Loads the real datasets from the cache filled by {@value #FETCH_SCRIPT}.
 *
 * <p>Cache layout: {@code mnist/} (raw IDX), {@code fashion-mnist/} (gzipped IDX), {@code wordnet/}
 * ({@code data.noun}, {@code data.verb}). When a file is missing, a {@link MissingDatasetException} says
 * which and gives the command that fetches it.
 */
public final class Datasets {
    /** The fetch script, relative to the repository root. */
    public static final String FETCH_SCRIPT = "treelora-examples/scripts/fetch-data.sh";

    /** Environment variable that overrides the default cache directory (also read by the script). */
    public static final String CACHE_ENV = "TREELORA_DATA";

    /** MNIST class names: the digits. */
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Fashion-MNIST class names, in label order (from the dataset's README). */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private Datasets() {}

    /**
     * Returns the cache directory the fetch script uses by default: {@code $TREELORA_DATA} when set,
     * otherwise {@code ~/.cache/treelora/data}.
     *
     * @return the default cache directory
     */
    public static Path defaultCache() {
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "treelora", "data");
    }

    /**
     * Returns the command that fills a cache directory.
     *
     * @param cache the cache directory
     * @return a shell command to run from the repository root
     */
    public static String fetchCommand(Path cache) {
        return FETCH_SCRIPT + " '" + cache.toAbsolutePath() + "'";
    }

    /**
     * Loads MNIST (60,000 training and 10,000 test 28x28 digits).
     *
     * @param cache the cache directory
     * @return the train/test sets, named {@code mnist/train} and {@code mnist/test}
     * @throws MissingDatasetException if a file is missing
     * @throws IOException if a file is unreadable or invalid
     */
    public static TrainTest<ImageDataset> mnist(Path cache) throws IOException {
        return idx(cache, "mnist", "MNIST", "", MNIST_CLASSES);
    }

    /**
     * Loads Fashion-MNIST (60,000 training and 10,000 test 28x28 clothing images, 10 classes).
     *
     * @param cache the cache directory
     * @return the train/test sets, named {@code fashion-mnist/train} and {@code fashion-mnist/test}
     * @throws MissingDatasetException if a file is missing
     * @throws IOException if a file is unreadable or invalid
     */
    public static TrainTest<ImageDataset> fashionMnist(Path cache) throws IOException {
        return idx(cache, "fashion-mnist", "Fashion-MNIST", ".gz", FASHION_MNIST_CLASSES);
    }

    /**
     * Loads all WordNet 3.1 noun and verb glosses labelled with their supersense (see {@link
     * WordNetReader}); labels are lexicographer file numbers, class names {@link WordNetReader#LEXNAMES}.
     * WordNet has no test split: use {@link SplitTasks#splitWordNet} or {@link SplitTasks#holdout}.
     *
     * @param cache the cache directory
     * @return the dataset named {@code wordnet} (nouns, then verbs)
     * @throws MissingDatasetException if a file is missing
     * @throws IOException if a file is unreadable or invalid
     */
    public static TextDataset wordnet(Path cache) throws IOException {
        Path dir = cache.resolve("wordnet");
        for (WordNetReader.PartOfSpeech pos : WordNetReader.PartOfSpeech.values()) {
            requireFile(dir.resolve(pos.fileName()), "WordNet", cache);
        }
        return WordNetReader.read(dir, EnumSet.allOf(WordNetReader.PartOfSpeech.class), "wordnet");
    }

    /**
     * Loads the entries of Debian's {@code fortunes-min} and {@code fortunes} cookie files (see {@link
     * FortuneReader}), used as plain language-model text.
     *
     * @param cache the cache directory
     * @return the entries, files in name order
     * @throws MissingDatasetException if the fortunes are not in the cache
     * @throws IOException if a file is unreadable or invalid
     */
    public static List<String> fortunes(Path cache) throws IOException {
        Path dir = cache.resolve("fortunes");
        requireFile(dir.resolve("fortunes"), "Fortunes", cache);
        return FortuneReader.readDirectory(dir);
    }

    private static TrainTest<ImageDataset> idx(Path cache, String dirName, String title, String suffix,
            List<String> classes) throws IOException {
        Path dir = cache.resolve(dirName);
        ImageDataset[] parts = new ImageDataset[2];
        String[] prefixes = {"train", "t10k"};
        String[] names = {"train", "test"};
        for (int i = 0; i < 2; i++) {
            Path images = dir.resolve(prefixes[i] + "-images-idx3-ubyte" + suffix);
            Path labels = dir.resolve(prefixes[i] + "-labels-idx1-ubyte" + suffix);
            requireFile(images, title, cache);
            requireFile(labels, title, cache);
            parts[i] = IdxReader.read(dirName + "/" + names[i], images, labels, classes);
        }
        return new TrainTest<>(parts[0], parts[1]);
    }

    private static void requireFile(Path file, String title, Path cache) throws MissingDatasetException {
        if (!Files.isRegularFile(file)) {
            throw new MissingDatasetException(title + " is not in the data cache: " + file + " is missing. "
                    + "Fetch it (from the repository root) with: " + fetchCommand(cache));
        }
    }
}
