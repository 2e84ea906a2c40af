/**
 * Pictures of continual-learning results: the accuracy-matrix heatmap and per-task accuracy curves as PNG
 * ({@link io.github.treelora.examples.report.Charts}, drawn with XChart) and the TreeLoRA task tree as Graphviz DOT,
 * rendered to PNG by the {@code dot} program where it is installed
 * ({@link io.github.treelora.examples.report.TreeDiagram}).
 */
package io.github.treelora.examples.report;
