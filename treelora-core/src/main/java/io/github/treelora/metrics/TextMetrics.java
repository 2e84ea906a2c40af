package io.github.treelora.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-sample scores of generated text, each in [0, 1], as the TRACE benchmark scores its tasks:
 * <ul>
 *   <li>{@link #exactMatch}: accuracy of a classification-like answer (case and surrounding/inner whitespace
 *       normalised);</li>
 *   <li>{@link #rougeL}: ROUGE-L F-measure as Google's {@code rouge_score} computes it with its default tokenizer
 *       (lower-case, every character outside {@code [a-z0-9]} becomes a space, split on whitespace; no stemming):
 *       {@code F = 2PR / (P + R)} with {@code P = LCS / |prediction|}, {@code R = LCS / |reference|}, 0 when
 *       either side has no token;</li>
 *   <li>{@link #editSimilarity}: the normalized InDel similarity of the two strings' code points,
 *       {@code 1 - indel / (|a| + |b|)} (= {@code 2 LCS / (|a| + |b|)}), which is what {@code fuzzywuzzy}'s
 *       {@code fuzz.ratio} (with python-Levenshtein) and {@code rapidfuzz}'s {@code fuzz.ratio} return divided by 100
 *       (fuzzywuzzy also rounds to an integer); the Py150 code-completion score;</li>
 *   <li>{@link #sari}: SARI (Xu et al. 2016) for rewriting, n-grams 1..4, as the widely used implementation of
 *       Hugging Face's {@code evaluate} computes it from space-separated tokens: mean over n of the keep F1, the
 *       deletion precision and the addition F1, averaged; 0/0 counts as 1.</li>
 * </ul>
 */
public final class TextMetrics {

    private TextMetrics() {}

    /**
     * Exact match after lower-casing and collapsing whitespace.
     *
     * @param prediction generated text
     * @param reference the answer
     * @return 1 or 0
     */
    public static double exactMatch(String prediction, String reference) {
        return normalize(prediction).equals(normalize(reference)) ? 1.0 : 0.0;
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).strip().replaceAll("\\s+", " ");
    }

    /**
     * The tokens {@code rouge_score}'s default tokenizer produces.
     *
     * @param text any text
     * @return lower-cased runs of {@code [a-z0-9]}
     */
    public static List<String> rougeTokens(String text) {
        List<String> out = new ArrayList<>();
        for (String t : text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").strip().split(" ")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * ROUGE-L F-measure.
     *
     * @param prediction generated text
     * @param reference the reference
     * @return F in [0, 1]
     */
    public static double rougeL(String prediction, String reference) {
        List<String> p = rougeTokens(prediction);
        List<String> r = rougeTokens(reference);
        if (p.isEmpty() || r.isEmpty()) {
            return 0.0;
        }
        int lcs = lcs(p, r);
        double precision = (double) lcs / p.size();
        double recall = (double) lcs / r.size();
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }

    /**
     * Normalized InDel similarity of two strings (code points); 1 when both are empty.
     *
     * @param prediction generated text
     * @param reference the reference
     * @return similarity in [0, 1]
     */
    public static double editSimilarity(String prediction, String reference) {
        int[] a = prediction.codePoints().toArray();
        int[] b = reference.codePoints().toArray();
        if (a.length + b.length == 0) {
            return 1.0;
        }
        int[] prev = new int[b.length + 1];
        int[] cur = new int[b.length + 1];
        for (int i = 1; i <= a.length; i++) {
            for (int j = 1; j <= b.length; j++) {
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return 2.0 * prev[b.length] / (a.length + b.length);
    }

    /**
     * SARI of one rewrite.
     *
     * @param source the text to rewrite
     * @param prediction the generated rewrite
     * @param references one or more reference rewrites
     * @return SARI in [0, 1]
     */
    public static double sari(String source, String prediction, List<String> references) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("SARI needs at least one reference");
        }
        List<String> s = List.of(source.split(" ", -1));
        List<String> c = List.of(prediction.split(" ", -1));
        List<List<String>> r = new ArrayList<>();
        references.forEach(x -> r.add(List.of(x.split(" ", -1))));
        double keep = 0;
        double del = 0;
        double add = 0;
        for (int n = 1; n <= 4; n++) {
            List<List<String>> rn = new ArrayList<>();
            for (List<String> x : r) {
                rn.add(ngrams(x, n));
            }
            double[] k = sariNgram(ngrams(s, n), ngrams(c, n), rn);
            keep += k[0];
            del += k[1];
            add += k[2];
        }
        return (keep / 4 + del / 4 + add / 4) / 3;
    }

    private static List<String> ngrams(List<String> tokens, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            out.add(String.join(" ", tokens.subList(i, i + n)));
        }
        return out;
    }

    /** Keep F1, deletion precision, addition F1 of one n-gram order. */
    private static double[] sariNgram(List<String> sgrams, List<String> cgrams, List<List<String>> rgramsList) {
        int numRef = rgramsList.size();
        Map<String, Integer> r = new HashMap<>();
        rgramsList.forEach(l -> l.forEach(g -> r.merge(g, 1, Integer::sum)));
        Map<String, Integer> sRaw = counts(sgrams);
        Map<String, Integer> cRaw = counts(cgrams);
        Map<String, Integer> sRep = scaled(sRaw, numRef);
        Map<String, Integer> cRep = scaled(cRaw, numRef);

        Map<String, Integer> keep = min(sRep, cRep);
        Map<String, Integer> keepGood = min(keep, r);
        Map<String, Integer> keepAll = min(sRep, r);
        double keep1 = 0;
        double keep2 = 0;
        for (Map.Entry<String, Integer> e : keepGood.entrySet()) {
            keep1 += (double) e.getValue() / keep.get(e.getKey());
            keep2 += e.getValue();
        }
        double keepP = keep.isEmpty() ? 1 : keep1 / keep.size();
        double keepR = keepAll.isEmpty() ? 1 : keep2 / keepAll.values().stream().mapToInt(Integer::intValue).sum();
        double keepF = keepP > 0 || keepR > 0 ? 2 * keepP * keepR / (keepP + keepR) : 0;

        Map<String, Integer> delete = minus(sRep, cRep);
        Map<String, Integer> deleteGood = minus(delete, r);
        double del1 = 0;
        for (Map.Entry<String, Integer> e : deleteGood.entrySet()) {
            del1 += (double) e.getValue() / delete.get(e.getKey());
        }
        double delP = delete.isEmpty() ? 1 : del1 / delete.size();

        long added = cRaw.keySet().stream().filter(g -> !sRaw.containsKey(g)).count();
        long addedGood = cRaw.keySet().stream().filter(g -> !sRaw.containsKey(g) && r.containsKey(g)).count();
        long addable = r.keySet().stream().filter(g -> !sRaw.containsKey(g)).count();
        double addP = added > 0 ? (double) addedGood / added : 1;
        double addR = addable > 0 ? (double) addedGood / addable : 1;
        double addF = addP > 0 || addR > 0 ? 2 * addP * addR / (addP + addR) : 0;
        return new double[] {keepF, delP, addF};
    }

    private static Map<String, Integer> counts(List<String> grams) {
        Map<String, Integer> m = new HashMap<>();
        grams.forEach(g -> m.merge(g, 1, Integer::sum));
        return m;
    }

    private static Map<String, Integer> scaled(Map<String, Integer> m, int factor) {
        Map<String, Integer> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, v * factor));
        return out;
    }

    /** Multiset intersection (minimum count; only positive counts kept). */
    private static Map<String, Integer> min(Map<String, Integer> a, Map<String, Integer> b) {
        Map<String, Integer> out = new HashMap<>();
        a.forEach((k, v) -> {
            int m = Math.min(v, b.getOrDefault(k, 0));
            if (m > 0) {
                out.put(k, m);
            }
        });
        return out;
    }

    /** Multiset difference (only positive counts kept). */
    private static Map<String, Integer> minus(Map<String, Integer> a, Map<String, Integer> b) {
        Map<String, Integer> out = new HashMap<>();
        a.forEach((k, v) -> {
            int d = v - b.getOrDefault(k, 0);
            if (d > 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    private static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = a.get(i - 1).equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }
}
