package io.github.treelora.examples.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.examples.data.Datasets;
import io.github.treelora.examples.data.RequiredData;
import io.github.treelora.examples.decoder.WordLevelVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TraceStreamTest {

    static final TraceStream.Sizes SIZES = new TraceStream.Sizes(40, 20, 20);
    static List<TraceTask> stream;

    @BeforeAll
    static void build() throws IOException {
        Path cache = Datasets.defaultCache();
        stream = RequiredData.require(() -> TraceStream.build(cache, SIZES, 1));
    }

    @Test
    void sixTasksOfDifferentKindsWithTheirMetrics() {
        assertEquals(TraceStream.TASKS, stream.stream().map(TraceTask::name).toList());
        assertEquals(List.of(TraceMetric.ACCURACY, TraceMetric.EDIT_SIMILARITY, TraceMetric.ACCURACY,
                TraceMetric.ACCURACY, TraceMetric.ROUGE_L, TraceMetric.SARI),
                stream.stream().map(TraceTask::metric).toList());
        for (TraceTask t : stream) {
            assertEquals(SIZES.train(), t.train().size(), t.name());
            assertEquals(SIZES.validation(), t.validation().size(), t.name());
            assertEquals(SIZES.test(), t.test().size(), t.name());
        }
    }

    @Test
    void splitsAreDisjointAndAnswersFitTheirBudget() {
        for (TraceTask t : stream) {
            Set<String> train = new HashSet<>();
            t.train().forEach(e -> train.add(e.prompt() + "|" + e.answer()));
            Set<String> validation = new HashSet<>();
            t.validation().forEach(e -> validation.add(e.prompt() + "|" + e.answer()));
            for (TraceTask.Example e : t.test()) {
                assertTrue(!train.contains(e.prompt() + "|" + e.answer())
                        && !validation.contains(e.prompt() + "|" + e.answer()), t.name() + ": " + e);
            }
            validation.forEach(v -> assertTrue(!train.contains(v), t.name() + ": " + v));
            for (List<TraceTask.Example> split : List.of(t.train(), t.validation(), t.test())) {
                for (TraceTask.Example e : split) {
                    int words = WordLevelVocabulary.words(e.answer()).size();
                    assertTrue(words >= 1 && words <= t.maxAnswerWords(), t.name() + ": " + e);
                    assertTrue(WordLevelVocabulary.words(e.prompt()).size() <= TraceStream.MAX_PROMPT_WORDS, t.name());
                }
            }
        }
    }

    @Test
    void classificationTasksAreBalancedAndAnswerWithTheirClassNames() {
        Map<String, List<String>> classes = Map.of("supersense", List.of("animal", "artifact", "food", "person",
                "plant"), "language", List.copyOf(TraceSources.LANGUAGE_DIRS.keySet()));
        for (TraceTask t : stream) {
            if (!classes.containsKey(t.name())) {
                continue;
            }
            Map<String, Integer> counts = new HashMap<>();
            t.test().forEach(e -> counts.merge(e.answer(), 1, Integer::sum));
            assertEquals(Set.copyOf(classes.get(t.name())), counts.keySet(), t.name());
            int min = counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(max - min <= 1, t.name() + " " + counts);
        }
    }

    @Test
    void arithmeticAnswersAreRightAndSimplifyDeletesOnlyFunctionWords() {
        TraceTask arithmetic = stream.get(2);
        for (TraceTask.Example e : arithmetic.train()) {
            List<String> w = WordLevelVocabulary.words(e.prompt());
            int a = -1;
            int b = -1;
            for (String x : w) {
                if (x.matches("\\d+")) {
                    if (a < 0) {
                        a = Integer.parseInt(x);
                    } else {
                        b = Integer.parseInt(x);
                    }
                }
            }
            int expected = e.prompt().contains(" gets ") ? a + b : e.prompt().contains(" gave away ") ? a - b : a * b;
            assertEquals(Integer.toString(expected), e.answer(), e.prompt());
        }
        TraceTask simplify = stream.get(5);
        for (TraceTask.Example e : simplify.test()) {
            List<String> src = WordLevelVocabulary.words(e.prompt());
            List<String> kept = src.stream().filter(x -> !TraceStream.FUNCTION_WORDS.contains(x)).toList();
            assertEquals(String.join(" ", kept), e.answer());
            assertTrue(kept.size() < src.size());
        }
    }

    @Test
    void theSeedDecidesTheDraw() throws IOException {
        Path cache = Datasets.defaultCache();
        List<TraceTask> again = TraceStream.build(cache, SIZES, 1);
        List<TraceTask> other = TraceStream.build(cache, SIZES, 2);
        for (int k = 0; k < stream.size(); k++) {
            assertEquals(stream.get(k).test(), again.get(k).test());
            assertNotEquals(stream.get(k).test(), other.get(k).test(), stream.get(k).name());
        }
    }

    @Test
    void tooLargeSplitsAreRefusedByName() {
        assertThrows(IllegalArgumentException.class, () -> new TraceStream.Sizes(0, 1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TraceStream.build(Datasets.defaultCache(), new TraceStream.Sizes(100_000, 10, 10), 1));
        assertTrue(e.getMessage().contains("task '"), e.getMessage());
    }

    /**
     * No validation or test prompt of the text tasks (the benchmark's sizes and seeds) is the prompt that a text of the
     * decoder's pretraining corpus would make (a gloss's definition, a fortune's opening, in the tokenizer's surface
     * form); the code task's held-out files are kept apart by file.
     */
    @Test
    void validationAndTestPromptsNeverEnterPretraining() throws IOException {
        Path cache = Datasets.defaultCache();
        TraceCorpus.Texts texts = TraceCorpus.texts(cache);
        Set<String> fromCorpus = new HashSet<>();
        for (String entry : texts.glosses()) {
            String g = entry.substring(entry.indexOf(": ") + 2); // the gloss after its headwords
            fromCorpus.add(TraceStream.surface(TraceStream.definition(g)));
            fromCorpus.add(TraceStream.cut(TraceStream.definition(g), TraceStream.MAX_PROMPT_WORDS));
        }
        List<String> fortunes = new java.util.ArrayList<>(texts.englishFortunes());
        fortunes.addAll(TraceCorpus.extraTexts(cache, 42));
        for (String f : fortunes) {
            fromCorpus.add(TraceStream.cut(f, TraceStream.FORTUNE_PROMPT_WORDS));
        }
        int checked = 0;
        for (long seed = 1; seed <= 3; seed++) {
            for (TraceTask t : TraceStream.build(cache, new TraceStream.Sizes(200, 60, 60), seed)) {
                if (t.name().equals("code") || t.name().equals("arithmetic")) {
                    continue;
                }
                for (List<TraceTask.Example> split : List.of(t.validation(), t.test())) {
                    for (TraceTask.Example e : split) {
                        assertTrue(!fromCorpus.contains(e.prompt()), t.name() + " seed " + seed + ": '" + e.prompt()
                                + "' comes from a pretraining text");
                        checked++;
                    }
                }
                // the check can fail: training prompts do come from the corpus
                assertTrue(fromCorpus.contains(t.train().get(0).prompt()), t.name() + ": " + t.train().get(0));
            }
        }
        assertEquals(3 * 4 * 120, checked);
    }

    @Test
    void metricsScoreInTheTokenizersSurfaceForm() {
        assertEquals("self . x = foo ( y )", TraceStream.surface("self.x = foo(y)"));
        assertEquals(1.0, TraceMetric.EDIT_SIMILARITY.score(TraceStream.surface("self.x = foo(y)"),
                "self . x = foo ( y )", ""));
        assertEquals(1.0, TraceMetric.ACCURACY.score("german", "german", "x"));
    }
}
