package io.github.treelora.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Mean squared error over all elements, with no Java-number scalar in the recorded graph. DJL's own
 * {@code L2Loss} multiplies by the Java scalar 0.5, which can hand backward a freed buffer on the PyTorch
 * engine and corrupt gradients silently.
 */
public final class MeanSquaredError extends Loss {

    /** The loss, named "MSE". */
    public MeanSquaredError() {
        super("MSE");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return predictions.singletonOrThrow().sub(labels.singletonOrThrow()).square().mean();
    }
}
