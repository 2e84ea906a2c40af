/**
 * A TRACE-like continual-learning stream built from offline data (WordNet glosses, Debian fortunes in four
 * languages, Python source files of a Debian package, seeded arithmetic), each task scored by the metric the
 * TRACE benchmark uses for its kind, and the {@code trace-offline} command that runs the protocol.
 */
package io.github.treelora.examples.trace;
