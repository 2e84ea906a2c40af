/**
 * The project's self-pretrained LLaMA-architecture decoder: a word-level Hugging Face tokenizer built from the
 * corpus ({@link io.github.treelora.examples.decoder.WordLevelVocabulary}), and reading/writing the shipped model in
 * the Hugging Face layout with its provenance card ({@link io.github.treelora.examples.decoder.Decoders},
 * {@link io.github.treelora.examples.decoder.DecoderCard}). The {@code pretrain-decoder} command that trains it lives
 * in {@code examples.pretrain}. No pretrained decoder weights are reachable offline; this one is trained by the
 * project on plain WordNet glosses and Debian fortunes.
 */
package io.github.treelora.examples.decoder;
