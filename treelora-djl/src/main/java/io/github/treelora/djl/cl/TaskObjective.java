package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.github.treelora.djl.loss.CausalLmLoss;
import java.util.Arrays;
import java.util.List;

/**
 * What the {@link ContinualTrainer} optimises and measures on a task stream, chosen by the stream's data:
 * {@link Classification} (frozen backbone -> features -> the trainer's linear head, masked cross-entropy, argmax
 * accuracy) for plain {@link TaskData}, {@link CausalLm} (prompt-masked next-token loss, exact match of greedy
 * decoding) when every split is a {@link CausalLmTaskData}. The training loop, seeding, strategies and
 * checkpoints are shared; only these four operations differ.
 */
interface TaskObjective {

    /** Checkpoint name of the classification objective (absent from its checkpoints of format version 1). */
    String CLASSIFICATION = "classification";
    /** Checkpoint name of the causal-LM objective. */
    String CAUSAL_LM = "causal-lm";

    /**
     * The name recorded in checkpoints.
     *
     * @return {@link #CLASSIFICATION} or {@link #CAUSAL_LM}
     */
    String name();

    /**
     * The per-task array that restricts outputs to some classes, or null when the objective has none.
     *
     * @param manager owner of the array
     * @param visible the visible global class ids
     * @return the mask or null
     */
    NDArray classMask(NDManager manager, int[] visible);

    /**
     * The training loss of one batch (recorded, training mode).
     *
     * @param ps parameter store
     * @param batch the batch
     * @param classMask from {@link #classMask} for the task's classes
     * @return scalar loss
     */
    NDArray loss(ParameterStore ps, LabeledBatch batch, NDArray classMask);

    /**
     * Number of correctly answered samples of one batch (inference mode).
     *
     * @param ps parameter store
     * @param batch the batch
     * @param classMask from {@link #classMask} for the visible classes
     * @return correct samples
     */
    long correct(ParameterStore ps, LabeledBatch batch, NDArray classMask);

    /**
     * Sum of the scores of some samples of a split (inference mode): {@link #correct} on their batch, except for
     * {@link GenerationTaskData} under the causal-LM objective, whose answers are generated and scored by the task.
     *
     * @param ps parameter store
     * @param data the split
     * @param indices the samples
     * @param manager owner of intermediate arrays
     * @param classMask from {@link #classMask} for the visible classes
     * @return the summed score (a count of correct samples for exact match and accuracy)
     */
    default double score(ParameterStore ps, TaskData data, int[] indices, NDManager manager, NDArray classMask) {
        return correct(ps, data.batch(indices, manager), classMask);
    }

    /**
     * An inference pass whose output is discarded (strategies observe layer inputs during it).
     *
     * @param ps parameter store
     * @param inputs the batch inputs
     */
    void observe(ParameterStore ps, NDList inputs);

    /**
     * The backbone's features of a batch in inference mode, shape {@code (B, D)}, for task-identity inference.
     *
     * @param ps parameter store
     * @param inputs the batch inputs
     * @return features
     * @throws UnsupportedOperationException for objectives without a feature vector (causal LM)
     */
    NDArray features(ParameterStore ps, NDList inputs);

    /**
     * The trainable head saved in checkpoints, or null.
     *
     * @return head or null
     */
    Linear head();

    /**
     * Which objective a task stream needs.
     *
     * @param tasks validated, non-empty tasks
     * @return true for causal LM (every split is {@link CausalLmTaskData}), false for classification (none is)
     * @throws IllegalArgumentException naming a task when the stream mixes both kinds
     */
    static boolean isCausalLm(List<ContinualTask> tasks) {
        boolean first = tasks.get(0).train() instanceof CausalLmTaskData;
        for (ContinualTask t : tasks) {
            for (TaskData d : List.of(t.train(), t.test())) {
                if ((d instanceof CausalLmTaskData) != first) {
                    throw new IllegalArgumentException("task " + t.id() + " '" + t.name() + "' mixes "
                            + (first ? "classification data into a causal-LM" : "causal-LM data into a classification")
                            + " task stream: every split must be a CausalLmTaskData, or none");
                }
            }
        }
        return first;
    }

    /** Features, linear head, logits masked to the visible classes, cross-entropy and argmax. */
    final class Classification implements TaskObjective {
        /** Added to masked logits: exp underflows to 0, and unlike -infinity it cannot produce 0 * inf = NaN. */
        private static final float MASKED = -1e9f;

        private final Backbone backbone;
        private final Linear head;
        private final int numClasses;

        Classification(Backbone backbone, Linear head, int numClasses) {
            this.backbone = backbone;
            this.head = head;
            this.numClasses = numClasses;
        }

        @Override
        public String name() {
            return CLASSIFICATION;
        }

        /** 0 for visible classes, {@link #MASKED} for the others; shape (C). */
        @Override
        public NDArray classMask(NDManager manager, int[] visible) {
            float[] m = new float[numClasses];
            Arrays.fill(m, MASKED);
            for (int c : visible) {
                m[c] = 0f;
            }
            return manager.create(m);
        }

        @Override
        public NDArray loss(ParameterStore ps, LabeledBatch batch, NDArray classMask) {
            return ContinualTrainer.crossEntropy(logits(ps, batch.inputs(), true), classMask, batch.labels());
        }

        @Override
        public long correct(ParameterStore ps, LabeledBatch batch, NDArray classMask) {
            NDArray predicted = logits(ps, batch.inputs(), false).add(classMask).argMax(1);
            return predicted.eq(batch.labels().toType(DataType.INT64, false)).sum().getLong();
        }

        @Override
        public void observe(ParameterStore ps, NDList inputs) {
            features(ps, inputs, false);
        }

        @Override
        public NDArray features(ParameterStore ps, NDList inputs) {
            return features(ps, inputs, false);
        }

        @Override
        public Linear head() {
            return head;
        }

        private NDArray features(ParameterStore ps, NDList inputs, boolean training) {
            NDList out = backbone.block().forward(ps, inputs, training);
            NDArray f = out.get(0);
            Shape shape = f.getShape();
            if (shape.dimension() != 2 || shape.get(1) != backbone.featureDim()
                    || shape.get(0) != inputs.get(0).getShape().get(0)) {
                throw new IllegalStateException("backbone '" + backbone.name() + "' returned features of shape "
                        + shape + "; expected (batch " + inputs.get(0).getShape().get(0) + ", featureDim "
                        + backbone.featureDim() + ")");
            }
            return f;
        }

        private NDArray logits(ParameterStore ps, NDList inputs, boolean training) {
            return head.forward(ps, new NDList(features(ps, inputs, training)), training).singletonOrThrow();
        }
    }

    /**
     * The backbone is the language model: {@link CausalLmLoss} on the completion tokens for training; for
     * evaluation, exact match of greedy decoding computed in one teacher-forced pass. Greedy decoding from the
     * prompt reproduces the completion {@code c_1..c_n} exactly when, for every {@code i}, the argmax of the
     * next-token logits after {@code prompt ++ c_1..c_{i-1}} is {@code c_i} (by induction the greedy prefix is
     * then that very input), which is what one forward pass over {@code prompt ++ completion} checks at all
     * completion positions at once. Causal attention and right padding keep each position independent of the
     * padding after it.
     */
    final class CausalLm implements TaskObjective {
        private final Backbone backbone;

        CausalLm(Backbone backbone) {
            this.backbone = backbone;
        }

        @Override
        public String name() {
            return CAUSAL_LM;
        }

        @Override
        public NDArray classMask(NDManager manager, int[] visible) {
            return null; // the answer is free text over the whole vocabulary
        }

        @Override
        public NDArray loss(ParameterStore ps, LabeledBatch batch, NDArray classMask) {
            return CausalLmLoss.compute(logits(ps, batch.inputs(), true), batch.labels());
        }

        @Override
        public long correct(ParameterStore ps, LabeledBatch batch, NDArray classMask) {
            NDArray logits = logits(ps, batch.inputs(), false);
            Shape s = logits.getShape();
            int b = (int) s.get(0);
            int t = (int) s.get(1);
            // prediction for position p + 1 is the argmax at position p
            long[] predicted = logits.get(new NDIndex(":, :-1, :")).argMax(2).toLongArray();
            long[] labels = batch.labels().toType(DataType.INT64, false).toLongArray();
            long correct = 0;
            for (int r = 0; r < b; r++) {
                boolean all = true;
                boolean any = false;
                for (int p = 1; p < t && all; p++) {
                    long want = labels[r * t + p];
                    if (want != CausalLmLoss.IGNORE_INDEX) {
                        any = true;
                        all = predicted[r * (t - 1) + p - 1] == want;
                    }
                }
                if (all && any) {
                    correct++;
                }
            }
            return correct;
        }

        @Override
        public double score(ParameterStore ps, TaskData data, int[] indices, NDManager manager, NDArray classMask) {
            if (!(data instanceof GenerationTaskData g)) {
                return correct(ps, data.batch(indices, manager), classMask);
            }
            double sum = 0;
            long[][] generated = generate(ps, g, indices, manager);
            for (int r = 0; r < indices.length; r++) {
                sum += g.score(indices[r], generated[r]);
            }
            return sum;
        }

        /**
         * Greedy decoding of a batch of prompts without a cache: the rows are left-aligned and right-padded, every
         * step runs the model over the longest row so far and appends to each unfinished row the argmax after its
         * own last token (causal attention keeps a row independent of the padding after it).
         */
        long[][] generate(ParameterStore ps, GenerationTaskData g, int[] indices, NDManager manager) {
            int b = indices.length;
            long[][] prompts = new long[b][];
            int longestPrompt = 0;
            for (int r = 0; r < b; r++) {
                prompts[r] = g.prompt(indices[r]);
                longestPrompt = Math.max(longestPrompt, prompts[r].length);
            }
            int width = longestPrompt + g.maxNewTokens();
            long[] ids = new long[b * width];
            long[] mask = new long[b * width];
            java.util.Arrays.fill(ids, g.padId());
            int[] length = new int[b];
            int[] produced = new int[b];
            boolean[] done = new boolean[b];
            long[][] out = new long[b][g.maxNewTokens()];
            for (int r = 0; r < b; r++) {
                System.arraycopy(prompts[r], 0, ids, r * width, prompts[r].length);
                java.util.Arrays.fill(mask, r * width, r * width + prompts[r].length, 1L);
                length[r] = prompts[r].length;
            }
            int open = b;
            for (int step = 0; step < g.maxNewTokens() && open > 0; step++) {
                int cur = 0;
                for (int r = 0; r < b; r++) {
                    cur = Math.max(cur, length[r]);
                }
                long[] x = new long[b * cur];
                long[] xm = new long[b * cur];
                for (int r = 0; r < b; r++) {
                    System.arraycopy(ids, r * width, x, r * cur, cur);
                    System.arraycopy(mask, r * width, xm, r * cur, cur);
                }
                long[] next;
                try (NDManager stepManager = manager.newSubManager()) {
                    Shape s = new Shape(b, cur);
                    NDArray logits = logits(ps, new NDList(stepManager.create(x, s), stepManager.create(xm, s)), false);
                    next = logits.argMax(2).toLongArray();
                }
                for (int r = 0; r < b; r++) {
                    if (done[r]) {
                        continue;
                    }
                    long token = next[r * cur + length[r] - 1];
                    if (token == g.endId()) {
                        done[r] = true;
                        open--;
                        continue;
                    }
                    out[r][produced[r]++] = token;
                    ids[r * width + length[r]] = token;
                    mask[r * width + length[r]] = 1;
                    length[r]++;
                    if (produced[r] == g.maxNewTokens()) {
                        done[r] = true;
                        open--;
                    }
                }
            }
            for (int r = 0; r < b; r++) {
                out[r] = java.util.Arrays.copyOf(out[r], produced[r]);
            }
            return out;
        }

        @Override
        public void observe(ParameterStore ps, NDList inputs) {
            logits(ps, inputs, false);
        }

        @Override
        public NDArray features(ParameterStore ps, NDList inputs) {
            throw new UnsupportedOperationException("task-identity inference needs classification tasks; a causal-LM "
                    + "task stream has no feature vector per sample");
        }

        @Override
        public Linear head() {
            return null;
        }

        private NDArray logits(ParameterStore ps, NDList inputs, boolean training) {
            NDArray logits = backbone.block().forward(ps, inputs, training).get(0);
            Shape shape = logits.getShape();
            Shape ids = inputs.get(0).getShape();
            if (shape.dimension() != 3 || shape.get(0) != ids.get(0) || shape.get(1) != ids.get(1)
                    || shape.get(2) != backbone.featureDim()) {
                throw new IllegalStateException("language model '" + backbone.name() + "' returned logits of shape "
                        + shape + "; expected (batch, tokens) " + ids + " x vocabulary (featureDim) "
                        + backbone.featureDim());
            }
            return logits;
        }
    }
}
