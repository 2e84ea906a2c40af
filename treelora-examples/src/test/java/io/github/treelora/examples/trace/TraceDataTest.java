package io.github.treelora.examples.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.djl.cl.ScoredCompletionData;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.examples.decoder.Decoders;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The stream's tasks for the shipped word-level decoder: prompt and completion ids, and scores taken in the decoder's
 * vocabulary (a word it cannot write is {@code <unk>} on both sides), checked by hand-computed cases.
 */
class TraceDataTest {

    @Test
    void wordsOutsideTheVocabularyBecomeUnk() {
        Set<String> vocabulary = Set.of("yellow", "oil", "wool", "(", ")");
        assertEquals("yellow <unk> oil <unk> wool ( <unk> )",
                TraceData.inVocabulary("yellow viscous oil extracted wool ( plural )", vocabulary));
        assertEquals("", TraceData.inVocabulary("", vocabulary));
    }

    @Test
    void aPredictionIsScoredAgainstTheReferenceAsTheDecoderCanWriteIt() throws Exception {
        Path dir = TraceOfflineCommand.shippedDecoder();
        String[] vocabulary = TraceData.vocabulary(dir);
        Set<String> known = new HashSet<>(Arrays.asList(vocabulary));
        String rare = "zirconium";
        assertFalse(known.contains(rare), "the test needs a word the shipped vocabulary lacks");
        assertTrue(known.contains("mineral") && known.contains("oxide") && known.contains("consisting"));
        TraceTask.Example example = new TraceTask.Example("a mineral consisting of " + rare + " oxide",
                "mineral consisting " + rare + " oxide");
        TraceTask task = new TraceTask("simplify", "rewrite", TraceMetric.ACCURACY, 8, List.of(example),
                List.of(example), List.of(example));
        try (HfTokenizer tokenizer = Decoders.tokenizer(dir)) {
            ScoredCompletionData data = TraceData.data(task, task.test(), 0, tokenizer, vocabulary);
            long[] completion = data.completion(0);
            // "mineral consisting <unk> oxide </s>": the id the decoder must write for the rare word is <unk>'s
            assertEquals(5, completion.length);
            assertEquals(List.of(vocabulary).indexOf("<unk>"), completion[2]);
            assertEquals(List.of(vocabulary).indexOf("</s>"), completion[4]);
            assertEquals(1.0, data.score(0, Arrays.copyOf(completion, 4)));
            // a wrong word where the rare one stands scores 0 by exact match; so does dropping the word
            long[] wrong = Arrays.copyOf(completion, 4);
            wrong[2] = List.of(vocabulary).indexOf("oxide");
            assertEquals(0.0, data.score(0, wrong));
            assertEquals(0.0, data.score(0, new long[] {completion[0], completion[1], completion[3]}));
        }
    }

    /** Two trivial answers scored by hand: the training split's most frequent answer, and the prompt copied. */
    @Test
    void trivialAnswersAreScoredInTheVocabularyAndAveragedOverSeeds() {
        String[] vocabulary = {"<pad>", "<unk>", "<s>", "</s>", "<sep>", "x", "y"};
        // the task's answer budget is 1 word, but the longest test answer has 2: generation writes up to 2 words
        List<TraceTask.Example> test = List.of(new TraceTask.Example("x y", "x"), new TraceTask.Example("z", "q"),
                new TraceTask.Example("y x y", "y x"));
        List<TraceTask.Example> validation = List.of(new TraceTask.Example("y", "y"));
        TraceTask seed1 = new TraceTask("t", "k", TraceMetric.ACCURACY, 1, List.of(new TraceTask.Example("a", "x"),
                new TraceTask.Example("b", "x"), new TraceTask.Example("c", "y")), validation, test);
        TraceTask seed2 = new TraceTask("t", "k", TraceMetric.ACCURACY, 1, List.of(new TraceTask.Example("a", "y")),
                validation, test);
        var scores = TraceData.trivialScores(List.of(List.of(seed1), List.of(seed2)), vocabulary, false);
        assertEquals(TraceData.TRIVIAL, List.copyOf(scores.keySet()));
        // most frequent: "x" for seed 1 (right on the first test example only), "y" for seed 2 (never right)
        assertEquals(1.0 / 6, scores.get(TraceData.TRIVIAL.get(0))[0], 1e-12);
        // copied, two words: "x y" is wrong (the answer is "x"); "z" and "q" are both outside the vocabulary, so
        // <unk> = <unk> is right; "y x" is right
        assertEquals(2.0 / 3, scores.get(TraceData.TRIVIAL.get(1))[0], 1e-12);
        var onValidation = TraceData.trivialScores(List.of(List.of(seed1)), vocabulary, true);
        assertEquals(0.0, onValidation.get(TraceData.TRIVIAL.get(0))[0], 1e-12);
        assertEquals(1.0, onValidation.get(TraceData.TRIVIAL.get(1))[0], 1e-12);
    }
}
