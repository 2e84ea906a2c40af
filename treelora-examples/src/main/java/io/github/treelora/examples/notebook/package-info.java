/**
 * The notebooks' Jupyter kernel: {@link io.github.treelora.examples.notebook.NotebookKernel} runs Java code cells
 * through the JDK's {@code jdk.jshell} API behind the Jupyter protocol of {@code jjava-jupyter};
 * {@link io.github.treelora.examples.notebook.Display} is what a cell calls to show a PNG.
 */
package io.github.treelora.examples.notebook;
