package io.github.treelora.djl.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.djl.models.bert.BertConfig;
import io.github.treelora.djl.models.bert.BertModel;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTForImageClassification;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Autograd through the models agrees with central finite differences (float64), and a Trainer loop with
 * per-step managers learns without growing the model's manager.
 */
class GradientAndTrainingTest {

    @Test
    void vitGradientsMatchFiniteDifferencesIncludingInterpolatedPositions() {
        ViTConfig config = ViTConfig.of(16, 4, 16, 2, 2, 32, 3);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ViTForImageClassification model = new ViTForImageClassification(config);
            model.initialize(manager, DataType.FLOAT64, model.inputShape());
            for (int size : new int[] {16, 24}) {
                NDArray x = manager.randomNormal(new Shape(2, 3, size, size)).toType(DataType.FLOAT64, false);
                NDArray w = manager.randomNormal(new Shape(2, 3)).toType(DataType.FLOAT64, false);
                checkGradients(model, manager, in -> new NDList(x), w, List.of(
                        "vit.embeddings.cls_token", "vit.embeddings.position_embeddings",
                        "vit.embeddings.patch_embeddings.projection.weight",
                        "vit.encoder.layer.0.attention.attention.query.weight",
                        "vit.encoder.layer.1.layernorm_before.weight", "classifier.bias"));
            }
        }
    }

    @Test
    void bertGradientsMatchFiniteDifferencesWithMask() {
        BertConfig config = new BertConfig(20, 16, 2, 2, 32, 8, 2, 1e-12f, 0f, 0f);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            BertModel model = new BertModel(config);
            model.initialize(manager, DataType.FLOAT64, model.inputShapes(5));
            NDArray ids = manager.create(new long[] {1, 4, 7, 3, 0, 2, 9, 0, 0, 0}, new Shape(2, 5));
            NDArray mask = manager.create(new long[] {1, 1, 1, 1, 0, 1, 1, 0, 0, 0}, new Shape(2, 5));
            NDArray types = manager.create(new long[] {0, 0, 1, 1, 0, 0, 1, 0, 0, 0}, new Shape(2, 5));
            NDArray w = manager.randomNormal(new Shape(2, 5, 16)).toType(DataType.FLOAT64, false);
            checkGradients(model, manager, in -> new NDList(ids, mask, types), w, List.of(
                    "embeddings.word_embeddings.weight", "embeddings.token_type_embeddings.weight",
                    "embeddings.position_embeddings.weight", "encoder.layer.0.attention.self.key.weight",
                    "encoder.layer.1.output.LayerNorm.bias", "encoder.layer.0.intermediate.dense.weight"));
        }
    }

    /** loss = sum(out * w); compares the backward gradient of a few entries of each parameter with (f(+h)-f(-h))/2h. */
    private static void checkGradients(Block model, NDManager manager, Function<NDManager, NDList> input, NDArray w,
            List<String> names) {
        Map<String, Parameter> params = StateDict.parameters(model);
        for (Parameter p : params.values()) {
            p.getArray().setRequiresGradient(true);
            // Backward accumulates into existing gradients (only an optimizer step clears them).
            NDArray g = p.getArray().getGradient();
            g.subi(g.duplicate());
        }
        double[][] analytic = new double[names.size()][];
        try (NDManager step = manager.newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = model.forward(new ParameterStore(step, false), input.apply(step), true)
                        .singletonOrThrow();
                gc.backward(out.mul(w).sum());
            }
            for (int i = 0; i < names.size(); i++) {
                analytic[i] = params.get(names.get(i)).getArray().getGradient().toDoubleArray();
            }
        }
        double h = 1e-6;
        for (int i = 0; i < names.size(); i++) {
            NDArray arr = params.get(names.get(i)).getArray();
            double[] values = arr.toDoubleArray();
            int n = values.length;
            for (int k : new int[] {0, n - 1}) {
                double orig = values[k];
                values[k] = orig + h;
                arr.set(DoubleBuffer.wrap(values));
                double plus = loss(model, manager, input, w);
                values[k] = orig - h;
                arr.set(DoubleBuffer.wrap(values));
                double minus = loss(model, manager, input, w);
                values[k] = orig;
                arr.set(DoubleBuffer.wrap(values));
                double numeric = (plus - minus) / (2 * h);
                double tol = 1e-5 + 1e-4 * Math.abs(numeric);
                assertEquals(numeric, analytic[i][k], tol, names.get(i) + "[" + k + "]");
            }
        }
    }

    private static double loss(Block model, NDManager manager, Function<NDManager, NDList> input, NDArray w) {
        try (NDManager step = manager.newSubManager()) {
            NDArray out = model.forward(new ParameterStore(step, false), input.apply(step), false).singletonOrThrow();
            return out.mul(w).sum().getDouble();
        }
    }

    @Test
    void trainerLoopLearnsAndKeepsTheModelManagerFlat() {
        ViTConfig config = ViTConfig.of(16, 4, 32, 2, 4, 64, 4);
        ViTForImageClassification block = new ViTForImageClassification(config);
        try (Model model = Model.newInstance("vit-train", "PyTorch")) {
            model.setBlock(block);
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build());
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(block.inputShape());
                NDManager root = model.getNDManager();
                NDArray images = root.randomNormal(new Shape(8, 3, 16, 16));
                NDArray labels = root.create(new float[] {0, 1, 2, 3, 0, 1, 2, 3});
                float first = 0;
                float last = 0;
                int arraysAtStep5 = -1;
                for (int stepNo = 0; stepNo < 20; stepNo++) {
                    try (NDManager step = root.newSubManager()) {
                        NDArray x = images.duplicate();
                        x.attach(step);
                        NDArray y = labels.duplicate();
                        y.attach(step);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                            assertTrue(logits.getManager() == step, "forward output must live in the step manager");
                            NDArray loss = crossEntropy(logits, y);
                            float value = loss.getFloat();
                            if (stepNo == 0) {
                                first = value;
                            }
                            last = value;
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                    if (stepNo == 5) {
                        arraysAtStep5 = root.getManagedArrays().size();
                    }
                }
                System.out.println("ViT trainer loop: loss " + first + " -> " + last + " in 20 steps");
                assertTrue(Float.isFinite(last) && last < 0.5f * first, "loss " + first + " -> " + last);
                assertEquals(arraysAtStep5, root.getManagedArrays().size(),
                        "the model's manager grew during training (per-step arrays leaked into it)");
            }
        }
    }

    /** Mean cross-entropy with NDArray scalars only (no Java Number inside the recorded graph). */
    private static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = logits.logSoftmax(-1);
        NDArray oneHot = labels.toType(DataType.INT32, false).oneHot((int) logits.getShape().get(1))
                .toType(DataType.FLOAT32, false);
        return logp.mul(oneHot).sum().neg().div(Ops.scalar(logp, logits.getShape().get(0)));
    }
}
