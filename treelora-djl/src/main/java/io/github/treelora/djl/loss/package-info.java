/**
 * Training losses shared by the models and the continual trainer: {@link io.github.treelora.djl.loss.CausalLmLoss},
 * the next-token cross-entropy of the decoders. It depends on DJL only, so that the model families and the generic
 * trainer can both use it without depending on each other.
 */
package io.github.treelora.djl.loss;
