package io.github.treelora.examples.splitmnist;

import io.github.treelora.examples.backbone.BackboneCard;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a Split-MNIST job was run, for the report.
 *
 * @param command the command line
 * @param date ISO-8601 start time
 * @param machine {@link io.github.treelora.examples.runtime.Machine#describe()}
 * @param wallSeconds wall time of the whole job (data loading, all strategies and seeds)
 * @param backboneCard the card of the frozen backbone
 * @param evaluationSplit what R is measured on ("MNIST test set" or a validation holdout of the training set)
 * @param trainPerTask training images per task
 * @param testPerTask evaluation images per task
 * @param epochs epochs per task, by strategy
 * @param seeds the seeds run
 * @param quick whether this is the {@code --quick} smoke run
 * @param settings further settings (batch, learning rate, LoRA, protocol, ...), in display order
 */
public record ReportSetup(String command, String date, String machine, double wallSeconds, BackboneCard backboneCard,
        String evaluationSplit, int trainPerTask, int testPerTask, Map<String, Integer> epochs, List<Long> seeds,
        boolean quick, Map<String, Object> settings) {

    /** The 10-minute budget of the main job on 2 cores, in seconds. */
    public static final double TARGET_SECONDS = 600;

    /**
     * Validates and copies.
     *
     * @param command command
     * @param date date
     * @param machine machine
     * @param wallSeconds wall time
     * @param backboneCard card
     * @param evaluationSplit evaluation split
     * @param trainPerTask train size
     * @param testPerTask test size
     * @param epochs epochs by strategy
     * @param seeds seeds
     * @param quick quick flag
     * @param settings settings
     */
    public ReportSetup {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(backboneCard, "backboneCard");
        Objects.requireNonNull(evaluationSplit, "evaluationSplit");
        epochs = new LinkedHashMap<>(epochs);
        seeds = List.copyOf(seeds);
        settings = new LinkedHashMap<>(settings);
    }
}
