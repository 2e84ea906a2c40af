/**
 * Headless execution of the project's Jupyter notebooks (Java kernel format, as IJava and JJava write it):
 * {@link io.github.treelora.examples.notebook.NotebookRunner} runs the code cells through the JDK's
 * {@code jdk.jshell} API and writes text and image outputs back; {@link io.github.treelora.examples.notebook.Display}
 * is what a cell calls to show a PNG.
 */
package io.github.treelora.examples.notebook;
