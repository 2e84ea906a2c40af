package io.github.treelora.examples.backbone;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * The provenance card written next to a pretrained backbone ({@value #FILE_NAME}): what it was trained on,
 * how, how well it does, and that this project trained it itself ("self-pretrained"; no pretrained
 * vision weights are reachable offline).
 *
 * @param provenance always {@value #SELF_PRETRAINED} for backbones made by {@link PretrainBackboneCommand}
 * @param data the training data, e.g. {@code "Fashion-MNIST train (60000 images, 10 classes)"}
 * @param trainImages number of training images used
 * @param epochs passes over the training images
 * @param batchSize images per step
 * @param learningRate peak Adam learning rate
 * @param seed seed of initialisation and shuffling
 * @param testAccuracy top-1 accuracy on the full Fashion-MNIST test set (10,000 images), in [0, 1]
 * @param testImages number of test images evaluated
 * @param trainSeconds wall time of training (without evaluation)
 * @param parameters number of parameters, classifier included
 * @param command the command line that produced the checkpoint
 * @param date ISO-8601 instant when training finished
 * @param machine processor count, OS and JVM of the training machine
 */
public record BackboneCard(
        @JsonProperty("provenance") String provenance,
        @JsonProperty("data") String data,
        @JsonProperty("train_images") int trainImages,
        @JsonProperty("epochs") int epochs,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("seed") long seed,
        @JsonProperty("test_accuracy") double testAccuracy,
        @JsonProperty("test_images") int testImages,
        @JsonProperty("train_seconds") double trainSeconds,
        @JsonProperty("parameters") long parameters,
        @JsonProperty("command") String command,
        @JsonProperty("date") String date,
        @JsonProperty("machine") String machine) {

    /** File name of the card inside a backbone directory. */
    public static final String FILE_NAME = "backbone-card.json";

    /** The provenance of every backbone this project trains. */
    public static final String SELF_PRETRAINED = "self-pretrained";

    /**
     * Checks the fields.
     *
     * @param provenance provenance
     * @param data data description
     * @param trainImages training images
     * @param epochs epochs
     * @param batchSize batch size
     * @param learningRate learning rate
     * @param seed seed
     * @param testAccuracy test accuracy
     * @param testImages test images
     * @param trainSeconds training time
     * @param parameters parameter count
     * @param command command line
     * @param date date
     * @param machine machine
     */
    public BackboneCard {
        requireProvenance(provenance, data, command, date, machine);
        if (!(testAccuracy >= 0 && testAccuracy <= 1)) {
            throw new IllegalArgumentException("test_accuracy must be in [0, 1], got " + testAccuracy);
        }
    }

    /**
     * Checks the fields that say where a self-pretrained model comes from, which every model card has (this one
     * and the decoder's).
     *
     * @param provenance provenance
     * @param data training data
     * @param command command line
     * @param date date
     * @param machine machine
     * @throws NullPointerException naming the first field that is null
     */
    public static void requireProvenance(String provenance, String data, String command, String date,
            String machine) {
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(machine, "machine");
    }
}
