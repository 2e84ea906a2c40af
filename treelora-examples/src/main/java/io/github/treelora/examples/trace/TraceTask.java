package io.github.treelora.examples.trace;

import java.util.List;

/**
 * One task of the stream as text: prompt/answer examples in disjoint train, validation and test splits.
 *
 * @param name short name
 * @param kind what the task asks, for reports
 * @param metric how answers are scored
 * @param maxAnswerWords the most answer words (the generation budget; every reference fits)
 * @param train training examples
 * @param validation validation examples (choosing budgets)
 * @param test test examples (final numbers only)
 */
public record TraceTask(String name, String kind, TraceMetric metric, int maxAnswerWords, List<Example> train,
        List<Example> validation, List<Example> test) {

    /**
     * A prompt and its reference answer.
     *
     * @param prompt the input text
     * @param answer the reference
     */
    public record Example(String prompt, String answer) {}

    /**
     * Copies the splits.
     *
     * @param name name
     * @param kind kind
     * @param metric metric
     * @param maxAnswerWords answer budget
     * @param train train split
     * @param validation validation split
     * @param test test split
     */
    public TraceTask {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }
}
