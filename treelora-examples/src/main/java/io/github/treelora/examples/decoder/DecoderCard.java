package io.github.treelora.examples.decoder;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.treelora.examples.backbone.BackboneCard;

/**
 * The provenance card written next to the project's self-pretrained decoder ({@value #FILE_NAME}).
 *
 * @param provenance always {@code "self-pretrained"}: the project trained it from random initialisation
 * @param data the pretraining text
 * @param tokenizer how text becomes ids
 * @param trainTokens tokens in the pretraining stream
 * @param steps optimizer steps
 * @param batchSize sequences per step
 * @param sequenceLength tokens per sequence
 * @param learningRate peak Adam learning rate
 * @param seed seed of initialisation and data order
 * @param finalLoss mean training loss (nats per token) over the last 10% of the steps
 * @param heldOutGlosses glosses held out of pretraining for the perplexity
 * @param heldOutPerplexity perplexity of the saved (float16) weights on the held-out glosses
 * @param storedAs dtype of the shipped weights
 * @param trainSeconds wall time of training
 * @param parameters parameter count
 * @param command the command line that produced it
 * @param date ISO-8601 instant when training finished
 * @param machine processors, OS and JVM
 */
public record DecoderCard(
        @JsonProperty("provenance") String provenance,
        @JsonProperty("data") String data,
        @JsonProperty("tokenizer") String tokenizer,
        @JsonProperty("train_tokens") long trainTokens,
        @JsonProperty("steps") int steps,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("sequence_length") int sequenceLength,
        @JsonProperty("learning_rate") double learningRate,
        @JsonProperty("seed") long seed,
        @JsonProperty("final_loss") double finalLoss,
        @JsonProperty("held_out_glosses") int heldOutGlosses,
        @JsonProperty("held_out_perplexity") double heldOutPerplexity,
        @JsonProperty("stored_as") String storedAs,
        @JsonProperty("train_seconds") double trainSeconds,
        @JsonProperty("parameters") long parameters,
        @JsonProperty("command") String command,
        @JsonProperty("date") String date,
        @JsonProperty("machine") String machine) {

    /** File name of the card inside the decoder directory. */
    public static final String FILE_NAME = "decoder-card.json";

    /**
     * Checks the fields.
     *
     * @param provenance provenance
     * @param data data
     * @param tokenizer tokenizer
     * @param trainTokens tokens
     * @param steps steps
     * @param batchSize batch
     * @param sequenceLength sequence length
     * @param learningRate learning rate
     * @param seed seed
     * @param finalLoss final loss
     * @param heldOutGlosses held-out glosses
     * @param heldOutPerplexity perplexity
     * @param storedAs dtype
     * @param trainSeconds seconds
     * @param parameters parameters
     * @param command command
     * @param date date
     * @param machine machine
     */
    public DecoderCard {
        BackboneCard.requireProvenance(provenance, data, command, date, machine);
        if (!(finalLoss > 0) || !(heldOutPerplexity >= 1)) {
            throw new IllegalArgumentException("final_loss must be > 0 and held_out_perplexity >= 1, got "
                    + finalLoss + " and " + heldOutPerplexity);
        }
    }
}
