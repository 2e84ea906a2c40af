/**
 * {@code pretrain-decoder}: pretraining the project's small LLaMA-architecture decoder ({@code examples.decoder}) on
 * the WordNet-and-fortunes corpus or on the trace-offline stream's corpus ({@code examples.trace}). It sits apart
 * from both so that the decoder package does not depend on the trace package, which uses the decoder.
 */
package io.github.treelora.examples.pretrain;
