package io.github.treelora.examples.benchmark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a continual-learning benchmark job (Split-MNIST, Split-FashionMNIST, Split-WordNet) was run, for the report.
 *
 * @param title the report's heading, e.g. "Split-MNIST: SeqLoRA, O-LoRA, InfLoRA and TreeLoRA on a self-pretrained ViT"
 * @param taskDescription what a task is, completing "N tasks of ...", e.g. "2 digits"
 * @param command the command line
 * @param date ISO-8601 start time
 * @param machine {@link io.github.treelora.examples.runtime.Machine#describe()}
 * @param wallSeconds wall time of the whole job (data loading, all strategies and seeds)
 * @param backbone one markdown sentence (or more) on the frozen backbone: what it is, where it comes from, caveats
 * @param data one markdown sentence on the data source
 * @param evaluationSplit what R is measured on ("MNIST test set" or a validation holdout of the training set)
 * @param trainPerTask training samples per task
 * @param testPerTask evaluation samples per task
 * @param budgets epochs per task and learning rate, by strategy
 * @param seeds the seeds run
 * @param quick whether this is the {@code --quick} smoke run
 * @param settings further settings (batch, LoRA, protocol, ...), in display order
 */
public record ReportSetup(String title, String taskDescription, String command, String date, String machine,
        double wallSeconds, String backbone, String data, String evaluationSplit, int trainPerTask, int testPerTask, Map<String, Budget> budgets, List<Long> seeds,
        boolean quick, Map<String, Object> settings) {

    /** The 10-minute budget of a benchmark job on 2 cores, in seconds. */
    public static final double TARGET_SECONDS = 600;

    /**
     * Validates and copies.
     *
     * @param title title
     * @param taskDescription task description
     * @param command command
     * @param date date
     * @param machine machine
     * @param wallSeconds wall time
     * @param backbone backbone description
     * @param data data description
     * @param evaluationSplit evaluation split
     * @param trainPerTask train size
     * @param testPerTask test size
     * @param budgets budgets by strategy
     * @param seeds seeds
     * @param quick quick flag
     * @param settings settings
     */
    public ReportSetup {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(taskDescription, "taskDescription");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(evaluationSplit, "evaluationSplit");
        budgets = new LinkedHashMap<>(budgets);
        seeds = List.copyOf(seeds);
        settings = new LinkedHashMap<>(settings);
    }
}
