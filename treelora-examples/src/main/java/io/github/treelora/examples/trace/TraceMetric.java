package io.github.treelora.examples.trace;

import io.github.treelora.metrics.TextMetrics;
import java.util.List;

/** The metric of a task of the stream, as TRACE uses them by task kind; every score is in [0, 1]. */
public enum TraceMetric {
    /** Exact match of a short answer (classification, arithmetic). */
    ACCURACY("accuracy"),
    /** ROUGE-L F-measure (generation of a word or phrase). */
    ROUGE_L("ROUGE-L"),
    /** Normalized edit similarity (code completion, like Py150). */
    EDIT_SIMILARITY("edit similarity"),
    /** SARI against the single reference rewrite, the prompt being the source (rewriting). */
    SARI("SARI");

    private final String label;

    TraceMetric(String label) {
        this.label = label;
    }

    /**
     * The metric's name in reports.
     *
     * @return e.g. {@code ROUGE-L}
     */
    public String label() {
        return label;
    }

    /**
     * Scores a prediction.
     *
     * @param prediction generated text
     * @param reference the reference answer
     * @param source the text the answer was generated from (used by SARI)
     * @return the score in [0, 1]
     */
    public double score(String prediction, String reference, String source) {
        return switch (this) {
            case ACCURACY -> TextMetrics.exactMatch(prediction, reference);
            case ROUGE_L -> TextMetrics.rougeL(prediction, reference);
            case EDIT_SIMILARITY -> TextMetrics.editSimilarity(prediction, reference);
            case SARI -> TextMetrics.sari(source, prediction, List.of(reference));
        };
    }
}
