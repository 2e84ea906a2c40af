package io.github.treelora.djl.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.loss.CausalLmLoss;
import org.junit.jupiter.params.ParameterizedTest;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.params.provider.ValueSource;

/** A few Adam steps on one prompt/completion pair lower the prompt-masked loss (autograd end to end). */
class LlamaTrainingTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa-llama3rope", "qwen2-bias-tied"})
    void adamStepsReduceLoss(String fixture) {
        long[][] ids = {{4, 8, 15, 16, 23, 42, 7, 1}};
        long[][] mask = {{1, 1, 1, 1, 1, 1, 1, 1}};
        long[] labels = FixtureFiles.flatten(CausalLmLoss.promptMaskedLabels(ids, mask, new int[] {3}));
        Shape s = new Shape(1, 8);
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                NDManager paramManager = manager.newSubManager();
                Model djlModel = Model.newInstance("decoder", Device.cpu(), "PyTorch")) {
            // Loaded weights (in-place copies) keep their gradients attached, so training starts right away.
            LlamaForCausalLM model = LlamaGoldenTest.load(fixture, paramManager);
            djlModel.setBlock(model);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.l2Loss()) // unused: loss is computed here
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build())
                    .optDevices(new Device[] {Device.cpu()});
            float first = Float.NaN;
            float last = Float.NaN;
            int arraysAfterSecondStep = -1;
            try (Trainer trainer = djlModel.newTrainer(cfg)) {
                for (int step = 0; step < 8; step++) {
                    try (NDManager sm = manager.newSubManager();
                            GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray logits = model.logits(new ParameterStore(sm, false), sm.create(ids[0], s),
                                null, null, true);
                        NDArray loss = CausalLmLoss.compute(logits, sm.create(labels, s));
                        gc.backward(loss);
                        last = loss.getFloat();
                        if (step == 0) {
                            first = last;
                        }
                    }
                    trainer.step();
                    if (step == 1) {
                        arraysAfterSecondStep = paramManager.getManagedArrays().size();
                    }
                }
            }
            LoggerFactory.getLogger(LlamaTrainingTest.class).info("{}: loss {} -> {} in 8 Adam steps", fixture, first, last);
            // Nothing of the per-step graph may land in the parameters' manager (optimizer state appears once).
            assertEquals(arraysAfterSecondStep, paramManager.getManagedArrays().size());
            assertTrue(Float.isFinite(last));
            assertTrue(last < 0.5f * first, fixture + ": loss " + first + " -> " + last);
        }
    }
}
