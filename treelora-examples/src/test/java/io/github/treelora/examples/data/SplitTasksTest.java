package io.github.treelora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Task streams built from a synthetic dataset whose every sample is identifiable by its text. */
class SplitTasksTest {
    private static final List<String> NAMES = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9");

    /** Class c has c + base samples, interleaved (sample i has class i mod 10 until a class runs out). */
    private static TextDataset synthetic(String name, int base, Set<Integer> absent) {
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int[] left = new int[10];
        for (int c = 0; c < 10; c++) {
            left[c] = absent.contains(c) ? 0 : c + base;
        }
        boolean any = true;
        while (any) {
            any = false;
            for (int c = 0; c < 10; c++) {
                if (left[c]-- > 0) {
                    texts.add(name + "-" + texts.size());
                    labels.add(c);
                    any = true;
                }
            }
        }
        return TextDataset.of(name, texts, labels.stream().mapToInt(Integer::intValue).toArray(), NAMES);
    }

    private static TrainTest<TextDataset> data() {
        return new TrainTest<>(synthetic("train", 3, Set.of()), synthetic("test", 1, Set.of()));
    }

    @Test
    void everySampleOfChosenClassesLandsInExactlyOneTask() {
        TrainTest<TextDataset> d = data();
        int[] order = {3, 7, 1, 0, 9, 8};
        SplitTasks<TextDataset> s = SplitTasks.fromClassOrder(d, order, 2, SplitOptions.full());
        assertEquals(3, s.numTasks());
        assertArrayEquals(order, s.classOrder());
        Set<Integer> seenClasses = new HashSet<>();
        Set<String> seenTrain = new HashSet<>();
        Set<String> seenTest = new HashSet<>();
        for (TaskSplit<TextDataset> t : s.tasks()) {
            for (int c : t.classes()) {
                assertTrue(seenClasses.add(c), "class " + c + " in two tasks");
            }
            for (String x : t.train().texts()) {
                assertTrue(seenTrain.add(x), x + " in two tasks");
            }
            for (String x : t.test().texts()) {
                assertTrue(seenTest.add(x), x + " in two tasks");
            }
        }
        // expected: all samples of the 6 chosen classes, counted from the construction (c + 3, c + 1 each)
        int expectedTrain = 0;
        int expectedTest = 0;
        for (int c : order) {
            expectedTrain += c + 3;
            expectedTest += c + 1;
        }
        assertEquals(expectedTrain, seenTrain.size());
        assertEquals(expectedTest, seenTest.size());
        for (int i = 0; i < d.train().size(); i++) {
            boolean chosen = seenClasses.contains(d.train().label(i));
            assertEquals(chosen, seenTrain.contains(d.train().text(i)), "sample " + i);
        }
    }

    @Test
    void labelsAreRemappedPerLabelSpace() {
        SplitTasks<TextDataset> s = SplitTasks.fromClassOrder(data(), new int[] {3, 7, 1, 0, 9, 8}, 2,
                SplitOptions.full());
        TaskSplit<TextDataset> t1 = s.task(1); // classes {1, 0}
        assertArrayEquals(new int[] {1, 0}, t1.classes());
        assertEquals(List.of("c1", "c0"), t1.classNames());
        assertEquals(2, t1.classOffset());
        int[] global = t1.train().labels();
        int[] ci = t1.trainLabels(LabelSpace.CLASS_INCREMENTAL);
        int[] ti = t1.trainLabels(LabelSpace.TASK_INCREMENTAL);
        assertArrayEquals(global, t1.trainLabels(LabelSpace.GLOBAL));
        for (int i = 0; i < global.length; i++) {
            // class 1 is the task's first class: task label 0, stream label 2; class 0: 1 and 3
            assertEquals(global[i] == 1 ? 0 : 1, ti[i]);
            assertEquals(global[i] == 1 ? 2 : 3, ci[i]);
        }
        assertEquals(5, s.task(2).mapLabel(8, LabelSpace.CLASS_INCREMENTAL));
        assertEquals(1, s.task(2).mapLabel(8, LabelSpace.TASK_INCREMENTAL));
        assertThrows(IllegalArgumentException.class, () -> s.task(2).mapLabel(3, LabelSpace.TASK_INCREMENTAL));
        // test labels use the same mapping
        for (int l : s.task(0).testLabels(LabelSpace.TASK_INCREMENTAL)) {
            assertTrue(l == 0 || l == 1);
        }
    }

    @Test
    void splitMnistUsesConsecutivePairsAndGlobalEqualsClassIncremental() {
        List<String> names = Datasets.MNIST_CLASSES;
        byte[] px = new byte[40];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            labels[i] = 9 - i;
        }
        ImageDataset img = ImageDataset.of("img", 2, 2, px, labels, names);
        SplitTasks<ImageDataset> s = SplitTasks.splitMnist(new TrainTest<>(img, img), SplitOptions.full());
        assertEquals(5, s.numTasks());
        for (int t = 0; t < 5; t++) {
            assertArrayEquals(new int[] {2 * t, 2 * t + 1}, s.task(t).classes());
            assertArrayEquals(s.task(t).train().labels(), s.task(t).trainLabels(LabelSpace.CLASS_INCREMENTAL));
            assertEquals(2, s.task(t).train().size());
        }
    }

    @Test
    void absentClassGivesEmptyTaskError() {
        TrainTest<TextDataset> d = new TrainTest<>(synthetic("train", 3, Set.of()), synthetic("test", 1, Set.of(4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SplitTasks.fromClassOrder(d, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2,
                        SplitOptions.full()));
        assertTrue(e.getMessage().contains("task 2 is empty for class 4 (c4): test has no sample of it"),
                e.getMessage());
    }

    @Test
    void invalidGroupsAreRejected() {
        TrainTest<TextDataset> d = data();
        String dup = assertThrows(IllegalArgumentException.class, () -> SplitTasks.fromClassGroups(d,
                List.of(new int[] {1, 2}, new int[] {2, 3}), SplitOptions.full())).getMessage();
        assertTrue(dup.contains("class 2 (c2) appears in task 0 and task 1"), dup);
        String range = assertThrows(IllegalArgumentException.class, () -> SplitTasks.fromClassGroups(d,
                List.<int[]>of(new int[] {10}), SplitOptions.full())).getMessage();
        assertTrue(range.contains("class 10 is outside 0..9"), range);
        assertThrows(IllegalArgumentException.class, () -> SplitTasks.fromClassGroups(d,
                List.<int[]>of(new int[0]), SplitOptions.full()));
        assertThrows(IllegalArgumentException.class, () -> SplitTasks.fromClassOrder(d, new int[] {1, 2, 3}, 2,
                SplitOptions.full()));
        String cap = assertThrows(IllegalArgumentException.class, () -> SplitTasks.fromClassOrder(d,
                new int[] {1, 2, 3}, 3, SplitOptions.full().withPerTaskCaps(2, 10))).getMessage();
        assertTrue(cap.contains("trainPerTask 2 is smaller than the 3 classes of task 0"), cap);
        assertThrows(IllegalArgumentException.class, () -> SplitOptions.full().withPerClassCaps(0, 5));
    }

    @Test
    void perClassCapsAreSeededSubsets() {
        TrainTest<TextDataset> d = data(); // class 9 has 12 training samples
        SplitOptions caps = SplitOptions.full().withPerClassCaps(5, 2);
        SplitTasks<TextDataset> a = SplitTasks.fromClassOrder(d, new int[] {9, 1}, 2, caps);
        SplitTasks<TextDataset> b = SplitTasks.fromClassOrder(d, new int[] {9, 1}, 2, caps);
        SplitTasks<TextDataset> c = SplitTasks.fromClassOrder(d, new int[] {9, 1}, 2, caps.withSeed(7));
        // class 1 has 4 < 5 samples and keeps them all; class 9 is cut to 5; no other class appears
        assertArrayEquals(new int[] {0, 4, 0, 0, 0, 0, 0, 0, 0, 5}, a.task(0).train().classCounts());
        assertEquals(a.task(0).train().texts(), b.task(0).train().texts());
        assertNotEquals(a.task(0).train().texts(), c.task(0).train().texts());
        assertEquals(2, a.task(0).test().classCounts()[9]);
        // subsets keep dataset order
        List<String> texts = a.task(0).train().texts();
        for (int i = 1; i < texts.size(); i++) {
            assertTrue(index(texts.get(i - 1)) < index(texts.get(i)));
        }
    }

    private static int index(String text) {
        return Integer.parseInt(text.substring(text.indexOf('-') + 1));
    }

    @Test
    void perTaskCapIsClassBalanced() {
        TrainTest<TextDataset> d = data(); // training: class 0 has 3 samples, class 9 has 12
        SplitTasks<TextDataset> s = SplitTasks.fromClassGroups(d, List.of(new int[] {9, 0}, new int[] {5, 6}),
                SplitOptions.full().withPerTaskCaps(10, 3));
        int[] t0 = s.task(0).train().classCounts();
        assertEquals(3, t0[0]); // all of the small class
        assertEquals(7, t0[9]); // the rest of the cap
        int[] t1 = s.task(1).train().classCounts();
        assertEquals(5, t1[5]);
        assertEquals(5, t1[6]);
        int[] test1 = s.task(1).test().classCounts();
        assertEquals(3, test1[5] + test1[6]);
        assertTrue(test1[5] >= 1 && test1[6] >= 1);
    }

    @Test
    void holdoutSplitsEachClassIntoDisjointParts() {
        TextDataset all = synthetic("all", 5, Set.of());
        TrainTest<TextDataset> tt = SplitTasks.holdout(all, new int[] {2, 8}, 3, 11L);
        int[] testCounts = tt.test().classCounts();
        int[] trainCounts = tt.train().classCounts();
        assertEquals(3, testCounts[2]);
        assertEquals(3, testCounts[8]);
        assertEquals(2 + 5 - 3, trainCounts[2]);
        assertEquals(8 + 5 - 3, trainCounts[8]);
        Set<String> union = new HashSet<>(tt.train().texts());
        for (String x : tt.test().texts()) {
            assertTrue(union.add(x), x + " in train and test");
        }
        assertEquals(7 + 13, union.size());
        String small = assertThrows(IllegalArgumentException.class,
                () -> SplitTasks.holdout(all, new int[] {0}, 5, 1L)).getMessage();
        assertTrue(small.contains("class 0 (c0) has 5 samples; holding out 5"), small);
        assertThrows(IllegalArgumentException.class, () -> SplitTasks.holdout(all, new int[] {2, 2}, 1, 1L));
    }

    @Test
    void splitWordNetBuildsFiveTasksOfFourSupersenses() {
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int lex = 3; lex <= 43; lex++) {
            for (int k = 0; k < 30; k++) {
                texts.add(WordNetReader.lexName(lex) + " gloss " + k);
                labels.add(lex);
            }
        }
        TextDataset all = TextDataset.of("wn", texts, labels.stream().mapToInt(Integer::intValue).toArray(),
                WordNetReader.LEXNAMES);
        SplitTasks<TextDataset> s = SplitTasks.splitWordNet(all, SplitOptions.full().withPerClassCaps(20, 6)
                .withPerTaskCaps(40, 24));
        assertEquals(5, s.numTasks());
        assertArrayEquals(new int[] {6, 18, 20, 5, 4, 10, 26, 15, 7, 27, 9, 14, 13, 30, 35, 8, 32, 17, 38, 23},
                s.classOrder());
        assertEquals(List.of("noun.artifact", "noun.person", "noun.plant", "noun.animal"), s.task(0).classNames());
        for (TaskSplit<TextDataset> t : s.tasks()) {
            assertEquals(40, t.train().size()); // per-task cap 40 of 4 x 20
            assertEquals(24, t.test().size());
            for (int c : t.classes()) {
                assertEquals(10, t.train().classCounts()[c]);
                assertEquals(6, t.test().classCounts()[c]);
            }
            Set<String> trainTexts = new HashSet<>(t.train().texts());
            t.test().texts().forEach(x -> assertTrue(!trainTexts.contains(x), x + " in train and test"));
        }
        assertThrows(IllegalArgumentException.class, () -> SplitTasks.splitWordNet(all, SplitOptions.full()));
    }
}
