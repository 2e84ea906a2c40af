/**
 * Reading and writing tensors in the Hugging Face safetensors format, without any engine.
 *
 * <p>{@link io.github.treelora.io.SafetensorsFile} memory-maps a file and decodes tensors on
 * demand into Java arrays (F16 and BF16 are widened to float here, so no engine ever sees BF16);
 * {@link io.github.treelora.io.SafetensorsWriter} writes a file atomically in the reference
 * layout. Both work with files and tensors larger than 2 GiB.
 */
package io.github.treelora.io;
