package io.github.treelora.examples.trace;

import io.github.treelora.examples.data.WordNetReader;
import io.github.treelora.examples.decoder.WordLevelVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The TRACE-like stream: six generation tasks of different kinds, each with the metric TRACE uses for its kind, in
 * this order:
 * <ol>
 *   <li>{@code supersense} (accuracy): name the WordNet supersense of a noun gloss among animal, artifact, food,
 *       person, plant;</li>
 *   <li>{@code code} (edit similarity, like Py150): the next non-blank line of a Python file of python3-docutils,
 *       given the two lines before it; validation and test lines come from held-out files only;</li>
 *   <li>{@code arithmetic} (accuracy, like NumGLUE): the number that answers a seeded word problem;</li>
 *   <li>{@code language} (accuracy): the language (english, german, spanish, italian) of a Debian fortune;</li>
 *   <li>{@code lemma} (ROUGE-L): the word a WordNet gloss defines (its first lemma, of up to 3 words, each
 *       common in WordNet's glosses: {@link #MIN_LEMMA_GLOSS_COUNT});</li>
 *   <li>{@code simplify} (SARI): rewrite a gloss in telegraphic style, the function words in
 *       {@link #FUNCTION_WORDS} deleted.</li>
 * </ol>
 * Texts are in the word-level tokenizer's surface form (lower-cased words and punctuation runs separated by single
 * spaces, {@link #surface}); predictions are compared in the same form. Splits are disjoint and seeded: WordNet
 * synsets are shuffled once and dealt to the three WordNet tasks and their splits without repetition; fortunes and
 * arithmetic problems are de-duplicated across splits; code splits come from different files. Validation and test
 * examples of the WordNet and fortune tasks come only from the glosses and fortunes held out of the decoder's
 * pretraining ({@link TraceSources#heldOutGloss}, {@link TraceSources#heldOutFortune}), training examples only from
 * the others; validation and test code lines come from files held out of pretraining. Classification-like tasks are balanced over their classes.
 */
public final class TraceStream {

    /** Task names in stream order. */
    public static final List<String> TASKS = List.of("supersense", "code", "arithmetic", "language", "lemma",
            "simplify");

    /** Supersenses of the supersense task. */
    public static final List<String> SUPERSENSES = List.of("noun.animal", "noun.artifact", "noun.food",
            "noun.person", "noun.plant");

    /** Words the simplify task deletes. */
    public static final Set<String> FUNCTION_WORDS = Set.of("a", "an", "the", "of", "or", "to", "that", "which",
            "is", "in", "by", "with", "for", "and", "as", "on", "from", "at", "its", "their");

    /** A lemma task answer's words each occur at least this often in WordNet's glosses (so a word-level decoder
     * can know them). */
    public static final int MIN_LEMMA_GLOSS_COUNT = 30;

    /** The most prompt words (longer texts are cut). */
    public static final int MAX_PROMPT_WORDS = 32;

    /** Examples per split and task. */
    public record Sizes(int train, int validation, int test) {
        /**
         * Checks the sizes.
         *
         * @param train training examples per task
         * @param validation validation examples per task
         * @param test test examples per task
         */
        public Sizes {
            if (train < 1 || validation < 1 || test < 1) {
                throw new IllegalArgumentException("split sizes must be positive, got train " + train
                        + ", validation " + validation + ", test " + test);
            }
        }

        int total() {
            return train + validation + test;
        }
    }

    private TraceStream() {}

    /**
     * Text in the word-level tokenizer's surface form.
     *
     * @param text any text
     * @return its lower-cased words and punctuation runs joined by single spaces
     */
    public static String surface(String text) {
        return String.join(" ", WordLevelVocabulary.words(text));
    }

    /** Words of a fortune that make the language task's prompt. */
    public static final int FORTUNE_PROMPT_WORDS = 24;

    /** The first {@code words} words of a text, in surface form. */
    static String cut(String text, int words) {
        List<String> w = WordLevelVocabulary.words(text);
        return String.join(" ", w.subList(0, Math.min(words, w.size())));
    }

    /**
     * Builds the stream from the data cache.
     *
     * @param cache the data cache (see {@code scripts/fetch-data.sh})
     * @param sizes examples per split and task
     * @param seed seed of every draw
     * @return the six tasks in stream order
     * @throws IOException if a source is missing or invalid
     */
    public static List<TraceTask> build(Path cache, Sizes sizes, long seed) throws IOException {
        List<WordNetReader.Synset> nouns = new ArrayList<>();
        List<WordNetReader.Synset> all = TraceSources.synsets(cache);
        for (WordNetReader.Synset s : all) {
            if (s.pos() == WordNetReader.PartOfSpeech.NOUN) {
                nouns.add(s);
            }
        }
        Collections.shuffle(nouns, new Random(seed));
        List<List<String>> fortunes = new ArrayList<>();
        for (String language : TraceSources.LANGUAGE_DIRS.keySet()) {
            fortunes.add(TraceSources.fortunes(cache, language));
        }
        Map<String, Integer> glossWords = new HashMap<>();
        for (WordNetReader.Synset s : all) {
            WordLevelVocabulary.words(s.gloss()).forEach(w -> glossWords.merge(w, 1, Integer::sum));
        }
        return build(nouns, glossWords, fortunes, TraceSources.pythonFiles(cache), sizes, seed);
    }

    static List<TraceTask> build(List<WordNetReader.Synset> shuffledNouns, Map<String, Integer> glossWords,
            List<List<String>> fortunesByLanguage, List<TraceSources.CodeFile> code, Sizes sizes, long seed) {
        Set<String> usedSynsets = new HashSet<>();
        List<TraceTask> tasks = new ArrayList<>();
        tasks.add(supersense(shuffledNouns, usedSynsets, sizes));
        tasks.add(code(code, sizes, seed));
        tasks.add(arithmetic(sizes, seed));
        tasks.add(language(fortunesByLanguage, sizes, seed));
        tasks.add(lemma(shuffledNouns, glossWords, usedSynsets, sizes));
        tasks.add(simplify(shuffledNouns, usedSynsets, sizes));
        return tasks;
    }

    private static TraceTask supersense(List<WordNetReader.Synset> nouns, Set<String> used, Sizes sizes) {
        List<List<TraceTask.Example>> byClass = new ArrayList<>();
        Sizes per = perClass(sizes, SUPERSENSES.size());
        for (String ss : SUPERSENSES) {
            List<TraceTask.Example> train = new ArrayList<>();
            List<TraceTask.Example> eval = new ArrayList<>();
            String answer = ss.substring(ss.indexOf('.') + 1);
            for (WordNetReader.Synset s : nouns) {
                if (!s.supersenseName().equals(ss)) {
                    continue;
                }
                boolean held = heldOut(s);
                List<TraceTask.Example> target = held ? eval : train;
                int room = held ? per.validation() + per.test() : per.train();
                if (target.size() < room && used.add(s.offset())) {
                    target.add(new TraceTask.Example(cut(definition(s), MAX_PROMPT_WORDS), answer));
                }
            }
            train.addAll(eval);
            byClass.add(train);
        }
        return balanced("supersense", "name the supersense of a noun gloss", TraceMetric.ACCURACY, 1, byClass, sizes);
    }

    private static TraceTask lemma(List<WordNetReader.Synset> nouns, Map<String, Integer> glossWords,
            Set<String> used, Sizes sizes) {
        List<TraceTask.Example> train = new ArrayList<>();
        List<TraceTask.Example> eval = new ArrayList<>();
        for (WordNetReader.Synset s : nouns) {
            String lemma = surface(s.words().get(0).replace('_', ' '));
            String def = definition(s);
            List<String> words = WordLevelVocabulary.words(lemma);
            boolean common = words.stream().allMatch(w -> glossWords.getOrDefault(w, 0) >= MIN_LEMMA_GLOSS_COUNT);
            List<TraceTask.Example> target = heldOut(s) ? eval : train;
            if (target.size() < room(s, sizes) && !words.isEmpty() && words.size() <= 3 && lemma.matches("[a-z ]+")
                    && common && WordLevelVocabulary.words(def).size() >= 3 && used.add(s.offset())) {
                target.add(new TraceTask.Example(cut(def, MAX_PROMPT_WORDS), lemma));
            }
        }
        train.addAll(eval);
        return split("lemma", "the word a gloss defines", TraceMetric.ROUGE_L, 3, train, sizes);
    }

    private static TraceTask simplify(List<WordNetReader.Synset> nouns, Set<String> used, Sizes sizes) {
        List<TraceTask.Example> train = new ArrayList<>();
        List<TraceTask.Example> eval = new ArrayList<>();
        int maxWords = 16;
        for (WordNetReader.Synset s : nouns) {
            List<String> w = WordLevelVocabulary.words(definition(s));
            List<TraceTask.Example> ex = heldOut(s) ? eval : train;
            if (ex.size() >= room(s, sizes) || w.size() < 5 || w.size() > maxWords) {
                continue;
            }
            List<String> kept = new ArrayList<>();
            for (String x : w) {
                if (!FUNCTION_WORDS.contains(x)) {
                    kept.add(x);
                }
            }
            if (kept.size() < w.size() && !kept.isEmpty() && used.add(s.offset())) {
                ex.add(new TraceTask.Example(String.join(" ", w), String.join(" ", kept)));
            }
        }
        train.addAll(eval);
        return split("simplify", "rewrite a gloss without function words", TraceMetric.SARI, maxWords, train, sizes);
    }

    /** Whether a synset's gloss is held out of the decoder's pretraining (only those feed validation and test). */
    private static boolean heldOut(WordNetReader.Synset s) {
        return TraceSources.heldOutGloss(s.gloss());
    }

    /** How many examples a WordNet task takes from synsets like {@code s}: training or validation + test. */
    private static int room(WordNetReader.Synset s, Sizes sizes) {
        return heldOut(s) ? sizes.validation() + sizes.test() : sizes.train();
    }

    /** The gloss's definition: the text before its first quoted example or semicolon-separated example. */
    static String definition(WordNetReader.Synset s) {
        return definition(s.gloss());
    }

    /** A gloss's definition: the text before its first quoted example or semicolon-separated example. */
    static String definition(String gloss) {
        String g = gloss;
        int q = g.indexOf('"');
        if (q >= 0) {
            g = g.substring(0, q);
        }
        int semi = g.indexOf(';');
        if (semi >= 0) {
            g = g.substring(0, semi);
        }
        return g.strip();
    }

    private static TraceTask code(List<TraceSources.CodeFile> files, Sizes sizes, long seed) {
        List<TraceTask.Example> train = new ArrayList<>();
        List<TraceTask.Example> validation = new ArrayList<>();
        List<TraceTask.Example> test = new ArrayList<>();
        int maxWords = 12;
        int heldOut = 0;
        for (int f = 0; f < files.size(); f++) {
            List<TraceTask.Example> target = train;
            if (TraceSources.heldOutCodeFile(f)) {
                target = heldOut++ % 2 == 0 ? test : validation;
            }
            List<String> lines = CodeLines.nonBlank(files.get(f).lines());
            for (int i = 2; i < lines.size(); i++) {
                String answer = surface(lines.get(i));
                int words = WordLevelVocabulary.words(answer).size();
                if (words >= 2 && words <= maxWords && !answer.startsWith("#")) {
                    target.add(new TraceTask.Example(cut(lines.get(i - 2) + " " + lines.get(i - 1), MAX_PROMPT_WORDS),
                            answer));
                }
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        return new TraceTask("code", "complete the next line of Python code", TraceMetric.EDIT_SIMILARITY, maxWords,
                sample(train, sizes.train(), rnd), sample(validation, sizes.validation(), rnd),
                sample(test, sizes.test(), rnd));
    }

    private static TraceTask arithmetic(Sizes sizes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Set<String> seen = new LinkedHashSet<>();
        List<TraceTask.Example> ex = new ArrayList<>();
        int attempts = 0;
        while (ex.size() < sizes.total()) {
            if (++attempts > 100 * sizes.total() + 10_000) {
                throw new IllegalArgumentException("cannot draw " + sizes.total() + " distinct arithmetic problems");
            }
            Arithmetic.Problem p = Arithmetic.problem(rnd);
            if (seen.add(p.question())) {
                ex.add(new TraceTask.Example(p.question(), Integer.toString(p.answer())));
            }
        }
        return split("arithmetic", "answer an arithmetic word problem", TraceMetric.ACCURACY, 1, ex, sizes);
    }

    private static TraceTask language(List<List<String>> byLanguage, Sizes sizes, long seed) {
        List<String> names = new ArrayList<>(TraceSources.LANGUAGE_DIRS.keySet());
        Sizes per = perClass(sizes, names.size());
        Set<String> seen = new HashSet<>();
        List<List<TraceTask.Example>> byClass = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x1A6L);
        for (int l = 0; l < names.size(); l++) {
            List<String> trainPool = new ArrayList<>();
            List<String> evalPool = new ArrayList<>();
            for (String f : byLanguage.get(l)) {
                String s = cut(f, FORTUNE_PROMPT_WORDS);
                int words = WordLevelVocabulary.words(s).size();
                if (words >= 6 && seen.add(s)) {
                    (TraceSources.heldOutFortune(f) ? evalPool : trainPool).add(s);
                }
            }
            List<TraceTask.Example> ex = new ArrayList<>();
            List<String> chosen = sample(trainPool, per.train(), rnd);
            chosen.addAll(sample(evalPool, per.validation() + per.test(), rnd));
            for (String s : chosen) {
                ex.add(new TraceTask.Example(s, names.get(l)));
            }
            byClass.add(ex);
        }
        return balanced("language", "name the language of a fortune", TraceMetric.ACCURACY, 1, byClass, sizes);
    }

    private static Sizes perClass(Sizes sizes, int classes) {
        return new Sizes(ceil(sizes.train(), classes), ceil(sizes.validation(), classes),
                ceil(sizes.test(), classes));
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Deals each class's examples to the splits in turn, so that every split is (nearly) balanced. */
    private static TraceTask balanced(String name, String kind, TraceMetric metric, int maxWords,
            List<List<TraceTask.Example>> byClass, Sizes sizes) {
        Sizes per = perClass(sizes, byClass.size());
        List<List<TraceTask.Example>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        int[] want = {sizes.train(), sizes.validation(), sizes.test()};
        int[] perWant = {per.train(), per.validation(), per.test()};
        for (int part = 0, from = 0; part < 3; from += perWant[part], part++) {
            for (int k = 0; k < perWant[part] && parts.get(part).size() < want[part]; k++) {
                for (List<TraceTask.Example> c : byClass) {
                    if (from + k < c.size() && parts.get(part).size() < want[part]) {
                        parts.get(part).add(c.get(from + k));
                    }
                }
            }
        }
        return checked(new TraceTask(name, kind, metric, maxWords, parts.get(0), parts.get(1), parts.get(2)), sizes);
    }

    private static TraceTask split(String name, String kind, TraceMetric metric, int maxWords,
            List<TraceTask.Example> ex, Sizes sizes) {
        int a = Math.min(ex.size(), sizes.train());
        int b = Math.min(ex.size(), a + sizes.validation());
        int c = Math.min(ex.size(), b + sizes.test());
        return checked(new TraceTask(name, kind, metric, maxWords, ex.subList(0, a), ex.subList(a, b),
                ex.subList(b, c)), sizes);
    }

    private static TraceTask checked(TraceTask t, Sizes sizes) {
        if (t.train().size() != sizes.train() || t.validation().size() != sizes.validation()
                || t.test().size() != sizes.test()) {
            throw new IllegalArgumentException("task '" + t.name() + "' has only " + t.train().size() + "/"
                    + t.validation().size() + "/" + t.test().size() + " train/validation/test examples, "
                    + sizes + " asked");
        }
        return t;
    }

    private static <T> List<T> sample(List<T> pool, int n, SplittableRandom rnd) {
        List<T> copy = new ArrayList<>(pool);
        for (int i = copy.size() - 1; i > 0; i--) {
            Collections.swap(copy, i, rnd.nextInt(i + 1));
        }
        return new ArrayList<>(copy.subList(0, Math.min(n, copy.size())));
    }
}
