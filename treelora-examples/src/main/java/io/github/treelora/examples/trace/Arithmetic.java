package io.github.treelora.examples.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded arithmetic text: equations ({@code 7 + 5 = 12 .}) as pretraining text, and word problems with a numeric
 * answer (addition, subtraction, multiplication of small numbers) as a task, in the spirit of NumGLUE.
 */
public final class Arithmetic {

    /** Largest answer any generated equation or problem has. */
    public static final int MAX_ANSWER = 144;

    private static final String[] NAMES = {"tom", "anna", "maria", "john", "lisa", "peter", "sara", "david"};
    private static final String[] ITEMS = {"apples", "books", "coins", "pens", "cards", "stones", "eggs", "cups"};

    /** A word problem and its answer. */
    public record Problem(String question, int answer) {}

    private Arithmetic() {}

    /**
     * Equations as text, {@code perDocument} per document.
     *
     * @param seed seed
     * @param documents how many documents
     * @param perDocument equations per document
     * @return the documents
     */
    public static List<String> equations(long seed, int documents, int perDocument) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(documents);
        for (int d = 0; d < documents; d++) {
            StringBuilder sb = new StringBuilder();
            for (int e = 0; e < perDocument; e++) {
                int op = rnd.nextInt(3);
                int a = op == 2 ? rnd.nextInt(13) : rnd.nextInt(21);
                int b = op == 2 ? rnd.nextInt(13) : rnd.nextInt(21);
                if (op == 1 && b > a) {
                    int t = a;
                    a = b;
                    b = t;
                }
                int c = op == 0 ? a + b : op == 1 ? a - b : a * b;
                sb.append(e == 0 ? "" : " ").append(a).append(op == 0 ? " + " : op == 1 ? " - " : " * ").append(b)
                        .append(" = ").append(c).append(" .");
            }
            out.add(sb.toString());
        }
        return out;
    }

    /**
     * One word problem drawn from {@code rnd}, small enough for a small model: "has a and gets b more" (a + b,
     * a and b in 1..9), "had a and gave away b" (a - b, 1 &lt;= b &lt;= a &lt;= 9) or "a boxes with b each" (a * b,
     * factors in 2..5).
     *
     * @param rnd the random source
     * @return the problem
     */
    public static Problem problem(SplittableRandom rnd) {
        String name = NAMES[rnd.nextInt(NAMES.length)];
        String item = ITEMS[rnd.nextInt(ITEMS.length)];
        int op = rnd.nextInt(3);
        if (op == 2) {
            int a = 2 + rnd.nextInt(4);
            int b = 2 + rnd.nextInt(4);
            return new Problem(name + " buys " + a + " boxes with " + b + " " + item + " in each box . how many "
                    + item + " does " + name + " buy ?", a * b);
        }
        int a = 1 + rnd.nextInt(9);
        int b = 1 + rnd.nextInt(9);
        if (op == 0) {
            return new Problem(name + " has " + a + " " + item + " and gets " + b + " more . how many " + item
                    + " does " + name + " have now ?", a + b);
        }
        int hi = Math.max(a, b);
        int lo = Math.min(a, b);
        return new Problem(name + " had " + hi + " " + item + " and gave away " + lo + " . how many " + item
                + " are left ?", hi - lo);
    }

    /**
     * Words a tokenizer must know to express every problem and answer (numbers 0..{@value #MAX_ANSWER}, names,
     * items).
     *
     * @return the words
     */
    public static List<String> vocabulary() {
        List<String> w = new ArrayList<>();
        for (int i = 0; i <= MAX_ANSWER; i++) {
            w.add(Integer.toString(i));
        }
        w.addAll(List.of(NAMES));
        w.addAll(List.of(ITEMS));
        return w;
    }
}
