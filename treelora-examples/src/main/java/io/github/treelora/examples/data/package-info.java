/**
 * Real datasets for the continual-learning examples and their task streams.
 *
 * <p>Engine-independent: images are bytes/floats, texts are strings, labels are {@code int}s.
 * {@link io.github.treelora.examples.data.Datasets} loads MNIST, Fashion-MNIST and WordNet 3.1 from
 * the cache filled by {@code treelora-examples/scripts/fetch-data.sh}; {@link
 * io.github.treelora.examples.data.SplitTasks} turns a dataset into a stream of {@link
 * io.github.treelora.examples.data.TaskSplit}s (Split-MNIST, Split-WordNet, custom class groups).
 * Every reader validates its input and reports the file and the problem.
 */
package io.github.treelora.examples.data;
