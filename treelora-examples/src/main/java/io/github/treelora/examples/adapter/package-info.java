/** {@code train-adapter}: train LoRA adapters on Split-MNIST and save them in the PEFT layout. */
package io.github.treelora.examples.adapter;
