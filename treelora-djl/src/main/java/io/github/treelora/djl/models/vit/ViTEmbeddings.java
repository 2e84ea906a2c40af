package io.github.treelora.djl.models.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.github.treelora.djl.models.ModuleBlock;
import io.github.treelora.djl.models.Ops;

/**
 * ViT input embeddings: patch projection (module {@code patch_embeddings}), a learned {@code cls_token}
 * {@code [1, 1, hidden]} prepended to the patch sequence and learned {@code position_embeddings}
 * {@code [1, 1 + patches, hidden]} added, as Hugging Face's {@code ViTEmbeddings}.
 *
 * <p>For an input whose size differs from {@code config.imageSize()}, the patch part of the position
 * embeddings is resampled to the new grid with bicubic interpolation as Hugging Face's
 * {@code interpolate_pos_encoding} does (PyTorch's {@code interpolate(mode="bicubic", align_corners=False)}:
 * cubic convolution with a = -0.75, half-pixel centres, edge indices clamped); the cls position is kept.
 * Bicubic resampling is linear in the values, so it is applied as one matrix product
 * {@code kron(Mh, Mw) @ pos} with the weights computed here in Java: the engine's own bicubic op in DJL 0.35
 * does not reproduce PyTorch's (it matched the antialiased variant in a test), and a matrix product is
 * differentiable. Hugging Face resamples only when asked; here it is automatic.
 */
public final class ViTEmbeddings extends ModuleBlock {

    /** PyTorch's cubic convolution coefficient. */
    private static final double CUBIC_A = -0.75;

    private final ViTConfig config;
    private final Parameter clsToken;
    private final Parameter positionEmbeddings;

    /**
     * Creates the block.
     *
     * @param config the model config
     */
    public ViTEmbeddings(ViTConfig config) {
        this.config = config;
        int h = config.hiddenSize();
        int n = config.gridSize() * config.gridSize();
        clsToken = addParameter(Parameter.builder().setName("cls_token").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, 1, h)).optInitializer(new NormalInitializer(0.02f)).build());
        positionEmbeddings = addParameter(Parameter.builder().setName("position_embeddings")
                .setType(Parameter.Type.WEIGHT).optShape(new Shape(1, n + 1, h))
                .optInitializer(new NormalInitializer(0.02f)).build());
        addModule("patch_embeddings", new ViTPatchEmbeddings(config));
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray pixels = inputs.singletonOrThrow();
        NDManager step = pixels.getManager();
        NDArray patches = forwardModule("patch_embeddings", parameterStore, inputs, training, params)
                .singletonOrThrow();
        long batch = patches.getShape().get(0);
        NDArray cls = parameterStore.getValue(clsToken, pixels.getDevice(), training);
        // zeros[B,1,H] + cls broadcasts the token and keeps the result in the step's manager.
        NDArray clsRows = step.zeros(new Shape(batch, 1, config.hiddenSize()), patches.getDataType()).add(cls);
        NDArray x = NDArrays.concat(new NDList(clsRows, patches), 1);
        NDArray pos = parameterStore.getValue(positionEmbeddings, pixels.getDevice(), training);
        long gridH = pixels.getShape().get(2) / config.patchSize();
        long gridW = pixels.getShape().get(3) / config.patchSize();
        if (gridH == config.gridSize() && gridW == config.gridSize()) {
            x = x.add(pos);
        } else {
            x = x.add(interpolated(Ops.inManager(pos, step), gridH, gridW));
        }
        if (training && config.hiddenDropoutProb() > 0) {
            x = Dropout.dropout(x, config.hiddenDropoutProb(), true).singletonOrThrow();
        }
        return new NDList(x);
    }

    private NDArray interpolated(NDArray pos, long gridH, long gridW) {
        int g = config.gridSize();
        NDArray clsPos = pos.get(new NDIndex(":, 0:1, :"));
        NDArray patchPos = pos.get(new NDIndex(":, 1:, :")); // [1, g*g, hidden], row-major grid
        float[] k = kron(bicubicMatrix(g, (int) gridH), bicubicMatrix(g, (int) gridW));
        NDArray resample = pos.getManager().create(k, new Shape(gridH * gridW, (long) g * g))
                .toType(pos.getDataType(), false);
        return NDArrays.concat(new NDList(clsPos, resample.matMul(patchPos)), 1);
    }

    /**
     * The [out, in] matrix of PyTorch's 1-D bicubic resampling with {@code align_corners=False}.
     *
     * @param in input length
     * @param out output length
     * @return row-major weights
     */
    static double[][] bicubicMatrix(int in, int out) {
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double real = scale * (o + 0.5) - 0.5;
            int base = (int) Math.floor(real);
            double t = real - base;
            double[] w = {
                cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)
            };
            for (int j = 0; j < 4; j++) {
                int idx = Math.min(Math.max(base - 1 + j, 0), in - 1);
                m[o][idx] += w[j];
            }
        }
        return m;
    }

    private static double cubic1(double x) {
        return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
    }

    private static double cubic2(double x) {
        return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
    }

    private static float[] kron(double[][] a, double[][] b) {
        int ar = a.length;
        int ac = a[0].length;
        int br = b.length;
        int bc = b[0].length;
        float[] k = new float[ar * br * ac * bc];
        int cols = ac * bc;
        for (int i = 0; i < ar; i++) {
            for (int j = 0; j < br; j++) {
                for (int p = 0; p < ac; p++) {
                    for (int q = 0; q < bc; q++) {
                        k[(i * br + j) * cols + p * bc + q] = (float) (a[i][p] * b[j][q]);
                    }
                }
            }
        }
        return k;
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        module("patch_embeddings").initialize(manager, dataType, inputShapes[0]);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape p = module("patch_embeddings").getOutputShapes(inputShapes)[0];
        return new Shape[] {new Shape(p.get(0), p.get(1) + 1, p.get(2))};
    }
}
