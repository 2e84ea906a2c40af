package io.github.treelora.examples.splitmnist;

import ai.djl.ndarray.types.Shape;
import io.github.treelora.djl.cl.ArrayTaskData;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.examples.backbone.PixelBatches;
import io.github.treelora.examples.data.ImageDataset;
import io.github.treelora.examples.data.LabelSpace;
import io.github.treelora.examples.data.SplitOptions;
import io.github.treelora.examples.data.SplitTasks;
import io.github.treelora.examples.data.TaskSplit;
import io.github.treelora.examples.data.TrainTest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Turns MNIST into the continual trainer's tasks: Split-MNIST ({@link SplitTasks#splitMnist}, classes {0,1},
 * {2,3}, ...), images normalised like the backbone's pretraining ({@link PixelBatches}) into {@code [1, H, W]}
 * samples, labels as global digit ids (the trainer's class-incremental head is indexed by them).
 */
public final class SplitMnistData {
    /** Seed salt of the validation holdout, so it differs from the subsampling seeds. */
    private static final long HOLDOUT_SALT = 0x76616C69L;

    private SplitMnistData() {}

    /**
     * Builds the five Split-MNIST tasks.
     *
     * @param data MNIST train/test (or a validation split of the training set, see {@link #validationSplit})
     * @param options per-task caps and the subsampling seed
     * @return tasks 0..4 named {@code "digits 0,1"}, ...
     */
    public static List<ContinualTask> tasks(TrainTest<ImageDataset> data, SplitOptions options) {
        return tasks(data, options, "digits");
    }

    /**
     * Builds the five tasks of a 10-class image dataset cut like Split-MNIST (classes {0,1}, {2,3}, ...).
     *
     * @param data train/test (or a validation split of the training set, see {@link #validationSplit})
     * @param options per-task caps and the subsampling seed
     * @param prefix the task-name prefix, e.g. {@code "digits"} or {@code "classes"}
     * @return tasks 0..4 named {@code prefix + " " + class names}
     */
    public static List<ContinualTask> tasks(TrainTest<ImageDataset> data, SplitOptions options, String prefix) {
        SplitTasks<ImageDataset> split = SplitTasks.splitMnist(data, options);
        List<ContinualTask> tasks = new ArrayList<>();
        for (TaskSplit<ImageDataset> t : split.tasks()) {
            String name = prefix + " " + String.join(",", t.classNames());
            tasks.add(new ContinualTask(t.taskId(), name, t.classes(),
                    taskData(t.train(), t.trainLabels(LabelSpace.GLOBAL)),
                    taskData(t.test(), t.testLabels(LabelSpace.GLOBAL))));
        }
        return tasks;
    }

    /**
     * A validation split for choosing hyperparameters without touching the test set: {@code perClass}
     * seeded random training images per digit are held out as the evaluation part, the rest stay for
     * training.
     *
     * @param train the MNIST training set
     * @param perClass held-out images per digit
     * @param seed the seed
     * @return the split (its "test" part comes from the training set)
     */
    public static TrainTest<ImageDataset> validationSplit(ImageDataset train, int perClass, long seed) {
        int[] digits = IntStream.range(0, train.numClasses()).toArray();
        return SplitTasks.holdout(train, digits, perClass, seed ^ HOLDOUT_SALT);
    }

    private static ArrayTaskData taskData(ImageDataset images, int[] labels) {
        int[] all = IntStream.range(0, images.size()).toArray();
        return new ArrayTaskData(PixelBatches.normalized(images, all), new Shape(1, images.height(), images.width()),
                labels);
    }
}
