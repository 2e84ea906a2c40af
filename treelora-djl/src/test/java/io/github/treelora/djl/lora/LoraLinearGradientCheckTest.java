package io.github.treelora.djl.lora;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.DoubleBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Autograd gradients of A and B against central finite differences, in float64, on a 3-D input
 * {@code [batch, seq, in]} with two active adapters (so the scaling and the sum over adapters are covered).
 */
class LoraLinearGradientCheckTest {

    private static final int IN = 5;
    private static final int OUT = 4;
    private static final Shape X_SHAPE = new Shape(2, 3, IN);

    @Test
    void adapterGradientsMatchCentralDifferences() {
        Random rnd = new Random(7);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Linear lin = Linear.builder().setUnits(OUT).build();
            lin.initialize(m, DataType.FLOAT64, X_SHAPE);
            LoraLinear lora = new LoraLinear(lin);
            lora.addAdapter("t0", 2, 3.0, 0, LoraInit.KAIMING_UNIFORM, false);
            lora.addAdapter("t1", 3, 1.5, 0, LoraInit.GAUSSIAN, false);
            // B != 0 so that dL/dA is not identically zero; a non-zero bias too.
            for (String n : new String[] {"t0", "t1"}) {
                setValues(lora.getLoraB(n), gaussian(rnd, (int) lora.getLoraB(n).getArray().size()));
            }
            setValues(lin.getParameters().get("bias"), gaussian(rnd, OUT));
            assertFalse(lin.getParameters().get("weight").requiresGradient(), "base weight must be frozen");

            NDArray x = m.create(gaussian(rnd, (int) X_SHAPE.size()), X_SHAPE);
            NDArray r = m.create(gaussian(rnd, 2 * 3 * OUT), new Shape(2, 3, OUT));
            ParameterStore ps = new ParameterStore(m, false);

            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss(lora, ps, x, r, true));
            }
            for (String n : new String[] {"t0", "t1"}) {
                for (Parameter p : new Parameter[] {lora.getLoraA(n), lora.getLoraB(n)}) {
                    double[] autograd = p.getArray().getGradient().toDoubleArray();
                    double[] numeric = centralDifferences(lora, ps, x, r, p, 1e-5);
                    double relErr = relativeError(autograd, numeric);
                    assertTrue(relErr < 1e-6, p.getName() + ": relative error " + relErr);
                    assertTrue(norm(numeric) > 1e-3, p.getName() + " gradient is trivially small");
                }
            }
        }
    }

    /** L = sum(tanh(y) * r): non-linear in the adapters, so the check is not trivially exact. */
    private static NDArray loss(LoraLinear lora, ParameterStore ps, NDArray x, NDArray r, boolean training) {
        NDArray y = lora.forward(ps, new NDList(x), training).singletonOrThrow();
        return y.tanh().mul(r).sum();
    }

    private static double[] centralDifferences(LoraLinear lora, ParameterStore ps, NDArray x, NDArray r,
            Parameter p, double h) {
        double[] v = p.getArray().toDoubleArray();
        double[] grad = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double orig = v[i];
            v[i] = orig + h;
            setValues(p, v);
            double plus = evaluate(lora, ps, x, r);
            v[i] = orig - h;
            setValues(p, v);
            double minus = evaluate(lora, ps, x, r);
            v[i] = orig;
            setValues(p, v);
            grad[i] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    private static double evaluate(LoraLinear lora, ParameterStore ps, NDArray x, NDArray r) {
        try (NDManager scope = x.getManager().newSubManager()) {
            NDArray xs = x.duplicate();
            xs.attach(scope);
            return loss(lora, ps, xs, r, false).getDouble();
        }
    }

    private static void setValues(Parameter p, double[] v) {
        p.getArray().set(DoubleBuffer.wrap(v));
    }

    private static double[] gaussian(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    private static double relativeError(double[] a, double[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            scale += a[i] * a[i] + b[i] * b[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(scale), 1e-300);
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
