package io.github.treelora.examples.trace;

import java.util.ArrayList;
import java.util.List;

/** Line handling shared by the code-completion task and the pretraining corpus. */
final class CodeLines {

    private CodeLines() {}

    /**
     * The lines that hold code or comments, stripped of surrounding whitespace.
     *
     * @param lines a file's lines
     * @return its non-blank lines, stripped
     */
    static List<String> nonBlank(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String s = l.strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
