package io.github.treelora.examples.data;

import java.util.Objects;

/**
 * A training set and its test set.
 *
 * @param train the training samples
 * @param test the held-out samples
 * @param <D> the dataset type
 */
public record TrainTest<D extends LabeledDataset<D>>(D train, D test) {
    /**
     * Checks that both parts are present and use the same class names.
     *
     * @param train the training samples
     * @param test the held-out samples
     */
    public TrainTest {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (!train.classNames().equals(test.classNames())) {
            throw new IllegalArgumentException("train '" + train.name() + "' and test '" + test.name()
                    + "' have different class names");
        }
    }
}
