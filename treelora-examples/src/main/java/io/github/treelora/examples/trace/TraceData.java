package io.github.treelora.examples.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.PromptCompletionData;
import io.github.treelora.djl.cl.ScoredCompletionData;
import io.github.treelora.djl.models.HfTokenizer;
import io.github.treelora.examples.decoder.WordLevelVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The stream's tasks as {@link ContinualTask}s for a word-level decoder: prompt {@code <s> text <sep>}, completion
 * the answer's words and {@code </s>}; evaluation generates up to the task's answer budget and scores the decoded
 * words (joined by spaces, special tokens other than {@code <unk>} dropped) with the task's metric. Every task has
 * the single class id of its position (the trainer needs one; nothing class-specific is used: no head, no mask, no
 * task id).
 *
 * <p>Scores are taken in the decoder's vocabulary: the reference and the source are compared in the form
 * {@link #inVocabulary} gives them, each word outside the vocabulary written {@code <unk>}, the convention of
 * word-level language-model benchmarks. Why: the decoder reads and writes such a word only as {@code <unk>}, so
 * comparing with its spelling would score the tokenizer's coverage (about a fifth of the answer words of the code
 * and simplify tasks), not what was learned.
 */
public final class TraceData {

    private TraceData() {}

    /**
     * The vocabulary of a decoder directory's word-level {@code tokenizer.json}, by id.
     *
     * @param decoderDir the decoder directory
     * @return token strings indexed by id
     * @throws IOException if the file is missing or not a WordLevel tokenizer
     */
    public static String[] vocabulary(Path decoderDir) throws IOException {
        Path file = decoderDir.resolve("tokenizer.json");
        JsonNode vocab = new ObjectMapper().readTree(file.toFile()).path("model").path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IOException(file + " has no model.vocab: the trace stream needs a word-level tokenizer");
        }
        String[] out = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= out.length) {
                throw new IOException(file + ": token '" + e.getKey() + "' has id " + e.getValue()
                        + " outside [0, " + out.length + ")");
            }
            out[id] = e.getKey();
        }
        return out;
    }

    /**
     * Decodes generated ids to words, dropping special tokens other than {@code <unk>}.
     *
     * @param vocabulary tokens by id
     * @param ids generated ids
     * @return the words joined by single spaces
     */
    public static String decode(String[] vocabulary, long[] ids) {
        StringBuilder b = new StringBuilder();
        for (long id : ids) {
            String t = id >= 0 && id < vocabulary.length ? vocabulary[(int) id] : WordLevelVocabulary.UNK;
            if (WordLevelVocabulary.SPECIALS.contains(t) && !t.equals(WordLevelVocabulary.UNK)) {
                continue;
            }
            b.append(b.length() == 0 ? "" : " ").append(t);
        }
        return b.toString();
    }

    /**
     * The continual tasks of a stream.
     *
     * @param stream the tasks as text
     * @param tokenizer the decoder's tokenizer (no specials added)
     * @param vocabulary the decoder's tokens by id
     * @param validation evaluate on the validation split instead of the test split
     * @return one task per stream task, ids 0..n-1
     */
    public static List<ContinualTask> tasks(List<TraceTask> stream, HfTokenizer tokenizer, String[] vocabulary,
            boolean validation) {
        List<ContinualTask> out = new ArrayList<>();
        for (int k = 0; k < stream.size(); k++) {
            TraceTask t = stream.get(k);
            out.add(new ContinualTask(k, t.name(), new int[] {k}, data(t, t.train(), k, tokenizer, vocabulary),
                    data(t, validation ? t.validation() : t.test(), k, tokenizer, vocabulary)));
        }
        return out;
    }

    static ScoredCompletionData data(TraceTask task, List<TraceTask.Example> examples, int label,
            HfTokenizer tokenizer, String[] vocabulary) {
        long bos = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.BOS);
        long sep = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.SEP);
        long eos = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.EOS);
        long pad = WordLevelVocabulary.SPECIALS.indexOf(WordLevelVocabulary.PAD);
        List<String> prompts = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (TraceTask.Example e : examples) {
            prompts.add(e.prompt());
            answers.add(e.answer());
        }
        long[][] p = tokenizer.encode(prompts).ids();
        long[][] a = tokenizer.encode(answers).ids();
        List<long[]> promptIds = new ArrayList<>();
        List<long[]> completionIds = new ArrayList<>();
        int maxAnswer = 1;
        for (int i = 0; i < examples.size(); i++) {
            long[] pi = new long[p[i].length + 2];
            pi[0] = bos;
            System.arraycopy(p[i], 0, pi, 1, p[i].length);
            pi[pi.length - 1] = sep;
            long[] ci = new long[a[i].length + 1];
            System.arraycopy(a[i], 0, ci, 0, a[i].length);
            ci[ci.length - 1] = eos;
            promptIds.add(pi);
            completionIds.add(ci);
            maxAnswer = Math.max(maxAnswer, a[i].length);
        }
        int[] labels = new int[examples.size()];
        Arrays.fill(labels, label);
        PromptCompletionData d = new PromptCompletionData(promptIds, completionIds, labels, pad);
        Set<String> known = new HashSet<>(Arrays.asList(vocabulary));
        List<String> references = answers.stream().map(x -> inVocabulary(x, known)).toList();
        List<String> sources = prompts.stream().map(x -> inVocabulary(x, known)).toList();
        return new ScoredCompletionData(d, Math.max(task.maxAnswerWords(), maxAnswer), eos, pad,
                (index, generated) -> task.metric().score(decode(vocabulary, generated), references.get(index),
                        sources.get(index)));
    }

    /** Names of the trivial answers {@link #trivialScores} scores. */
    public static final List<String> TRIVIAL = List.of("most frequent training answer", "the prompt copied");

    /**
     * The floor every task's score should be read against: the scores of two answers that need no learning, the
     * training split's most frequent answer and the prompt copied (as far as the generation budget), taken as
     * trace-offline takes them (in the decoder's vocabulary), averaged over the streams of several seeds.
     *
     * @param streams the tasks as text, one stream per seed, all of the same tasks
     * @param vocabulary the decoder's tokens by id
     * @param validation score the validation split instead of the test split
     * @return per {@link #TRIVIAL} answer, the mean score of each task in [0, 1], in stream order
     */
    public static Map<String, double[]> trivialScores(List<List<TraceTask>> streams, String[] vocabulary,
            boolean validation) {
        if (streams.isEmpty() || streams.stream().map(List::size).distinct().count() != 1) {
            throw new IllegalArgumentException("trivial scores need streams of the same tasks, got "
                    + streams.stream().map(List::size).toList() + " tasks");
        }
        Set<String> known = new HashSet<>(Arrays.asList(vocabulary));
        int tasks = streams.get(0).size();
        double[] frequent = new double[tasks];
        double[] copied = new double[tasks];
        for (List<TraceTask> stream : streams) {
            for (int k = 0; k < tasks; k++) {
                TraceTask t = stream.get(k);
                Map<String, Long> counts = new HashMap<>();
                t.train().forEach(e -> counts.merge(inVocabulary(e.answer(), known), 1L, Long::sum));
                // ties go to the alphabetically first answer, so the floor does not depend on hash order
                String top = counts.entrySet().stream().max(Map.Entry.<String, Long>comparingByValue()
                        .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder()))).orElseThrow().getKey();
                List<TraceTask.Example> eval = validation ? t.validation() : t.test();
                double n = (double) eval.size() * streams.size();
                // the copy is as long as the decoder may write: the generation budget of data(), not each answer's length
                int budget = Math.max(t.maxAnswerWords(), eval.stream()
                        .mapToInt(e -> WordLevelVocabulary.words(e.answer()).size()).max().orElse(1));
                for (TraceTask.Example e : eval) {
                    String reference = inVocabulary(e.answer(), known);
                    String source = inVocabulary(e.prompt(), known);
                    String[] prompt = source.split(" ");
                    String copy = String.join(" ", Arrays.copyOf(prompt, Math.min(budget, prompt.length)));
                    frequent[k] += t.metric().score(top, reference, source) / n;
                    copied[k] += t.metric().score(copy, reference, source) / n;
                }
            }
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put(TRIVIAL.get(0), frequent);
        out.put(TRIVIAL.get(1), copied);
        return out;
    }

    /**
     * A surface-form text as a word-level decoder can read and write it.
     *
     * @param text words separated by single spaces ({@link TraceStream#surface})
     * @param vocabulary the decoder's tokens
     * @return the text with every word outside {@code vocabulary} replaced by {@code <unk>}
     */
    public static String inVocabulary(String text, Set<String> vocabulary) {
        return WordLevelVocabulary.words(text).stream()
                .map(w -> vocabulary.contains(w) ? w : WordLevelVocabulary.UNK)
                .collect(Collectors.joining(" "));
    }
}
