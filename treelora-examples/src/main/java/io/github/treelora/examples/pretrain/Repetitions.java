package io.github.treelora.examples.pretrain;

import io.github.treelora.examples.decoder.WordLevelVocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Pretraining documents that repeat a span of the corpus: {@code span span} ({@code pretrain-decoder
 * --repeat-documents N}) or {@code span <sep> span} ({@code --echo-documents N}, the prompt/answer layout of the
 * trace-offline tasks with the answer a copy of the prompt, a task that is none of the stream's), the span
 * {@value #MIN_WORDS} to {@value #MAX_WORDS} consecutive words (in the word-level tokenizer's surface form) of a text
 * drawn from the pretraining texts.
 *
 * <p>Why: inside a repeated span the next word is predictable only by looking back, the signal from which a decoder
 * learns to copy, which the trace-offline tasks that rewrite or extract from their prompt need. The spans come only
 * from the pretraining texts, so nothing held out enters. docs/benchmarks.md records what it achieved at the shipped
 * decoder's size (little copying within 2,400 steps).
 */
public final class Repetitions {

    /** Shortest span, in words. */
    public static final int MIN_WORDS = 4;

    /** Longest span, in words. */
    public static final int MAX_WORDS = 20;

    private Repetitions() {}

    /**
     * The documents.
     *
     * @param texts pretraining texts to draw the spans from
     * @param seed seed of the draws
     * @param documents how many documents, {@code >= 0}
     * @return the documents, in draw order
     * @throws IllegalArgumentException if documents are asked of texts without a span of {@value #MIN_WORDS} words
     */
    public static List<String> documents(List<String> texts, long seed, int documents) {
        return documents(texts, seed, documents, false);
    }

    /**
     * The documents, as {@code span span} or, echoed, as {@code span <sep> span} (drawn with other spans).
     *
     * @param texts pretraining texts to draw the spans from
     * @param seed seed of the draws
     * @param documents how many documents, {@code >= 0}
     * @param echo whether the separator token stands between the two copies
     * @return the documents, in draw order
     * @throws IllegalArgumentException if documents are asked of texts without a span of {@value #MIN_WORDS} words
     */
    public static List<String> documents(List<String> texts, long seed, int documents, boolean echo) {
        if (documents < 0) {
            throw new IllegalArgumentException("documents must be >= 0, got " + documents);
        }
        List<List<String>> usable = new ArrayList<>();
        if (documents > 0) {
            for (String t : texts) {
                List<String> w = WordLevelVocabulary.words(t);
                if (w.size() >= MIN_WORDS) {
                    usable.add(w);
                }
            }
            if (usable.isEmpty()) {
                throw new IllegalArgumentException("no pretraining text has the " + MIN_WORDS
                        + " words a repeated span needs");
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ (echo ? 0xEC40L : 0x2E9EA7L));
        String between = echo ? " " + WordLevelVocabulary.SEP + " " : " ";
        List<String> out = new ArrayList<>(documents);
        for (int d = 0; d < documents; d++) {
            List<String> words = usable.get(rnd.nextInt(usable.size()));
            int length = Math.min(words.size(), MIN_WORDS + rnd.nextInt(MAX_WORDS - MIN_WORDS + 1));
            int from = rnd.nextInt(words.size() - length + 1);
            String span = String.join(" ", words.subList(from, from + length));
            out.add(span + between + span);
        }
        return out;
    }

    /**
     * The card's description of the added documents.
     *
     * @param documents how many were added
     * @return a phrase, empty for none
     */
    public static String description(int documents) {
        return phrase(documents, " twice (a copying signal)");
    }

    /**
     * The card's description of the added echo documents.
     *
     * @param documents how many were added
     * @return a phrase, empty for none
     */
    public static String echoDescription(int documents) {
        return phrase(documents, ", " + WordLevelVocabulary.SEP
                + " and the span again (copying in the trace tasks' prompt/answer layout)");
    }

    private static String phrase(int documents, String layout) {
        return documents == 0 ? "" : ", plus " + documents + " documents that write a span of " + MIN_WORDS + " to "
                + MAX_WORDS + " consecutive words of a pretraining text" + layout;
    }
}
