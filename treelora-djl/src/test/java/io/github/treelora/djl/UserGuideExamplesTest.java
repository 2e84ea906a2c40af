package io.github.treelora.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.treelora.Preset;
import io.github.treelora.StepReport;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.cl.ArrayTaskData;
import io.github.treelora.djl.cl.Backbone;
import io.github.treelora.djl.cl.ContinualResult;
import io.github.treelora.djl.cl.ContinualTask;
import io.github.treelora.djl.cl.ContinualTrainer;
import io.github.treelora.djl.cl.ContinualTrainerConfig;
import io.github.treelora.djl.cl.EvaluationProtocol;
import io.github.treelora.djl.cl.InfLora;
import io.github.treelora.djl.cl.OLora;
import io.github.treelora.djl.cl.SeqLora;
import io.github.treelora.djl.cl.TreeLoraStrategy;
import io.github.treelora.djl.lora.LoraConfig;
import io.github.treelora.djl.lora.LoraLinear;
import io.github.treelora.djl.lora.LoraModel;
import io.github.treelora.djl.lora.LoraTensorNames;
import io.github.treelora.djl.lora.PeftAdapterIO;
import io.github.treelora.djl.models.WeightStorage;
import io.github.treelora.djl.models.llama.LlamaForCausalLM;
import io.github.treelora.djl.models.vit.ViTConfig;
import io.github.treelora.djl.models.vit.ViTModel;
import io.github.treelora.djl.train.MeanSquaredError;
import io.github.treelora.djl.train.TreeLoraHook;
import io.github.treelora.io.SafetensorsFile;
import io.github.treelora.io.TreeLoraState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/user-guide.md, run and checked. Every {@code java} block of the guide must appear in this file
 * (compared line by line, ignoring indentation), so the guide cannot drift from code that compiles and runs; the
 * assertions after each snippet check what the guide says it does.
 */
class UserGuideExamplesTest {

    @TempDir
    Path dir;

    /** A tiny ViT with Hugging Face module names (2 layers, hidden 16, image 8, patch 4). */
    private static ViTModel tinyVit(NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        ViTModel vit = new ViTModel(ViTConfig.of(8, 4, 16, 2, 2, 32, 4));
        vit.initialize(manager, DataType.FLOAT32, vit.inputShape());
        return vit;
    }

    private static NDArray images(NDManager m, long seed) {
        Random r = new Random(seed);
        float[] x = new float[2 * 3 * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return m.create(x, new Shape(2, 3, 8, 8));
    }

    private static float[] run(ViTModel vit, NDArray x) {
        return vit.forward(new ParameterStore(x.getManager(), false), new NDList(x), false).get(0).toFloatArray();
    }

    /** Gives every B of an adapter random values, so that the adapter changes outputs (B starts at 0). */
    private static void randomB(LoraModel model, String adapter, long seed) {
        Random r = new Random(seed);
        model.loraB(adapter).values().forEach(p -> {
            float[] v = new float[(int) p.getArray().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.1 * r.nextGaussian());
            }
            p.getArray().set(v);
        });
    }

    @Test
    void doraAdapters() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            ViTModel vit = tinyVit(manager, 1);
            NDArray x = images(manager, 3);
            float[] base = run(vit, x);
            // [guide:dora]
            LoraModel model = new LoraModel(vit);
            model.addAdapter("dora", LoraConfig.builder().rank(4).alpha(8).useDora(true)
                    .targetModules("query", "value").build());
            LoraLinear query = model.layersOf("dora").get("encoder.layer.0.attention.attention.query");
            Parameter magnitude = query.getAdapter("dora").tensor(LoraTensorNames.MAGNITUDE); // [out]
            model.saveAdapter("dora", dir.resolve("dora")); // "use_dora": true, plus the magnitude vectors
            // [/guide]
            assertEquals(new Shape(16), magnitude.getArray().getShape());
            assertTrue(model.trainableParameters().contains(magnitude));
            assertTrue(TestArrays.maxAbsDiff(base, run(vit, x)) < 1e-5,
                    "a new DoRA adapter leaves the outputs unchanged");
            randomB(model, "dora", 5);
            float[] adapted = run(vit, x);
            assertTrue(TestArrays.maxAbsDiff(base, adapted) > 1e-3, "with B != 0 the adapter changes the outputs");
            model.merge();
            assertTrue(TestArrays.maxAbsDiff(adapted, run(vit, x)) < 1e-5, "merged outputs equal unmerged ones");
            model.unmerge();
            assertTrue(Files.readString(dir.resolve("dora").resolve(PeftAdapterIO.CONFIG_FILE))
                    .contains("\"use_dora\": true"));
        }
    }

    @Test
    void injectionByNameRegexLayersAndPatterns() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ViTModel vit = tinyVit(manager, 1);
            // [guide:inject]
            LoraModel model = new LoraModel(vit);

            // Names: a module whose path equals the name or ends with "." + name (PEFT's list semantics).
            List<String> qv = model.addAdapter("qv", LoraConfig.builder().rank(4).alpha(8)
                    .targetModules("query", "value").build());

            // A regex must match the whole path (PEFT's re.fullmatch); layersToTransform keeps layer 1 only;
            // rankPattern/alphaPattern override rank and alpha where a name or suffix matches.
            List<String> late = model.addAdapter("late", LoraConfig.builder().rank(2).alpha(4)
                    .targetRegex(".*\\.attention\\.attention\\.(query|key|value)")
                    .layersToTransform(1)
                    .rankPattern(Map.of("value", 8)).alphaPattern(Map.of("value", 16.0))
                    .build());
            // [/guide]
            assertEquals(List.of("encoder.layer.0.attention.attention.query",
                    "encoder.layer.0.attention.attention.value", "encoder.layer.1.attention.attention.query",
                    "encoder.layer.1.attention.attention.value"), qv);
            assertEquals(List.of("encoder.layer.1.attention.attention.query", "encoder.layer.1.attention.attention.key",
                    "encoder.layer.1.attention.attention.value"), late);
            assertEquals(8, model.layersOf("late").get("encoder.layer.1.attention.attention.value").getRank("late"));
            assertEquals(2.0, model.layersOf("late").get("encoder.layer.1.attention.attention.value")
                    .getScaling("late"), 1e-12);
            assertEquals(2, model.layersOf("late").get("encoder.layer.1.attention.attention.key").getRank("late"));
            assertTrue(vit.getParameters().values().stream()
                    .filter(p -> !p.getName().startsWith("lora_")).noneMatch(p -> p.requiresGradient()),
                    "base weights are frozen");

            // [guide:inject-errors]
            IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> model.addAdapter(
                    "typo", LoraConfig.builder().targetModules("qeury").build()));
            IllegalArgumentException layers = assertThrows(IllegalArgumentException.class, () -> model.addAdapter(
                    "deep", LoraConfig.builder().targetModules("query").layersToTransform(7).build()));
            IllegalArgumentException notLinear = assertThrows(IllegalArgumentException.class, () -> model.addAdapter(
                    "norm", LoraConfig.builder().targetModules("layernorm_before").build()));
            // [/guide]
            System.out.println("[guide] " + typo.getMessage());
            System.out.println("[guide] " + layers.getMessage());
            System.out.println("[guide] " + notLinear.getMessage());
            assertTrue(typo.getMessage().contains("\"qeury\" matches no module"), typo.getMessage());
            assertTrue(typo.getMessage().contains("query"), "names the closest module: " + typo.getMessage());
            assertTrue(layers.getMessage().contains("layersToTransform [7]"), layers.getMessage());
            assertTrue(notLinear.getMessage().contains("not a linear layer"), notLinear.getMessage());
            assertEquals(List.of("qv", "late"), model.adapterNames(), "failed injections change nothing");
        }
    }

    @Test
    void severalAdaptersActiveFrozenDisabledMerged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ViTModel vit = tinyVit(manager, 2);
            NDArray x = images(manager, 3);
            float[] base = run(vit, x);
            LoraModel model = new LoraModel(vit);
            LoraConfig config = LoraConfig.builder().rank(4).alpha(8).targetModules("query", "value").build();
            model.addAdapter("taskA", config);
            model.addAdapter("taskB", config);
            randomB(model, "taskA", 4);
            randomB(model, "taskB", 5);
            float[] both = run(vit, x);
            // [guide:adapters]
            model.setActiveAdapters("taskA");   // only taskA contributes: base + taskA
            float[] onlyA = run(vit, x);
            model.freezeAdapter("taskA");       // still active, no longer trained
            model.setActiveAdapters("taskA", "taskB");
            model.setAdaptersEnabled(false);    // base-model outputs, active sets kept
            float[] disabled = run(vit, x);
            model.setAdaptersEnabled(true);
            model.merge();                      // W += scaling * B A for the active adapters (inference)
            float[] merged = run(vit, x);
            model.unmerge();
            model.deleteAdapter("taskB");
            // [/guide]
            assertTrue(TestArrays.maxAbsDiff(both, base) > 1e-3 && TestArrays.maxAbsDiff(onlyA, both) > 1e-3
                    && TestArrays.maxAbsDiff(onlyA, base) > 1e-3);
            assertEquals(0, TestArrays.maxAbsDiff(disabled, base), 1e-6);
            assertEquals(0, TestArrays.maxAbsDiff(merged, both), 1e-4);
            assertEquals(0, TestArrays.maxAbsDiff(run(vit, x), onlyA), 1e-4, "after unmerge and delete: base + taskA");
            assertFalse(model.loraA("taskA").values().iterator().next().requiresGradient());
            assertEquals(List.of("taskA"), model.adapterNames());
        }
    }

    @Test
    void peftFilesRoundTripAndStrictLoading() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            ViTModel vit = tinyVit(manager, 6);
            NDArray x = images(manager, 7);
            LoraModel model = new LoraModel(vit);
            model.addAdapter("qv", LoraConfig.builder().rank(4).alpha(8).targetModules("query", "value").build());
            randomB(model, "qv", 8);
            float[] trained = run(vit, x);
            Path adapterDir = dir.resolve("qv");
            // [guide:peft]
            model.saveAdapter("qv", adapterDir);     // adapter_config.json + adapter_model.safetensors

            ViTModel sameWeights = tinyVit(manager, 6); // the same base model, without adapters
            LoraModel restored = new LoraModel(sameWeights);
            List<String> paths = restored.loadAdapter(adapterDir, "default"); // creates the adapter from the file
            // [/guide]
            assertEquals(4, paths.size());
            assertArrayEquals(trained, run(sameWeights, x), 1e-6f, "the loaded adapter reproduces the model");
            try (SafetensorsFile f = SafetensorsFile.open(adapterDir.resolve(PeftAdapterIO.WEIGHTS_FILE))) {
                assertTrue(f.names().contains("base_model.model.encoder.layer.0.attention.attention.query.lora_A.weight"),
                        f.names().toString());
                assertArrayEquals(new long[] {4, 16},
                        f.info("base_model.model.encoder.layer.0.attention.attention.query.lora_A.weight").shape());
                assertArrayEquals(new long[] {16, 4},
                        f.info("base_model.model.encoder.layer.1.attention.attention.value.lora_B.weight").shape());
            }
            String config = Files.readString(adapterDir.resolve(PeftAdapterIO.CONFIG_FILE));
            assertTrue(config.contains("\"peft_type\" : \"LORA\"") || config.contains("\"peft_type\": \"LORA\""), config);

            // [guide:peft-strict]
            NDManager other = NDManager.newBaseManager();
            Engine.getInstance().setRandomSeed(9);
            ViTModel wider = new ViTModel(ViTConfig.of(8, 4, 32, 2, 2, 64, 4)); // hidden 32, not 16
            wider.initialize(other, DataType.FLOAT32, wider.inputShape());
            LoraModel mismatched = new LoraModel(wider);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> mismatched.loadAdapter(adapterDir, "default"));
            // e.getMessage() names the file, the keys and both shapes; `wider` is unchanged (no adapter)
            // [/guide]
            System.out.println("[guide] " + e.getMessage());
            assertTrue(e.getMessage().contains(adapterDir.toString()) && e.getMessage().contains("shape"),
                    e.getMessage());
            assertTrue(mismatched.adapterNames().isEmpty() && mismatched.loraLayers().isEmpty());
            other.close();
        }
    }

    @Test
    void treeLoraHookInAPlainLoop() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            // [guide:hook]
            SequentialBlock mlp = new SequentialBlock()
                    .add(Linear.builder().setUnits(32).build())   // module "0"
                    .add(Activation::tanh)                         // module "1"
                    .add(Linear.builder().setUnits(4).build());    // module "2"
            Model djlModel = Model.newInstance("mlp", Device.cpu());
            djlModel.setBlock(mlp);
            mlp.initialize(manager, DataType.FLOAT32, new Shape(8, 16));
            LoraModel lora = new LoraModel(mlp);
            lora.addAdapter("cl", LoraConfig.builder().rank(4).alpha(8).targetModules("0", "2").build());

            Trainer trainer = djlModel.newTrainer(new DefaultTrainingConfig(new MeanSquaredError())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build())
                    .optDevices(new Device[] {Device.cpu()}));
            trainer.initialize(new Shape(8, 16));
            TreeLoraHook hook = new TreeLoraHook(lora, "cl",
                    TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).maxDepth(2).build(), manager);
            int stepsPerEpoch = 10;
            for (int task = 0; task < 3; task++) {
                hook.startTask(task);
                for (int epoch = 0; epoch < 2; epoch++) {
                    hook.startEpoch(stepsPerEpoch);
                    for (int s = 0; s < stepsPerEpoch; s++) {
                        try (NDManager step = trainer.getManager().newSubManager()) { // per-step arrays
                            NDList xy = regressionBatch(step, task, s);
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDArray prediction = trainer.forward(new NDList(xy.get(0))).singletonOrThrow();
                                NDArray loss = trainer.getLoss().evaluate(new NDList(xy.get(1)),
                                        new NDList(prediction));
                                gc.backward(loss);
                                StepReport report = hook.afterBackward(loss.getFloat()); // adds TreeLoRA's term
                            }
                            trainer.step();                                           // Adam applies it
                        }
                    }
                }
                hook.finishTask();   // stores the task's vectors, rebuilds the tree
            }
            System.out.println(hook.core().tree().toText());
            TreeLoraState.save(hook.core(), dir.resolve("treelora-state"));  // resume: TreeLoraHook.restore(...)
            // [/guide]
            assertEquals(3, hook.core().memory().size());
            assertEquals(3, hook.core().tree().root().slotCount());
            try (TreeLoraHook again = TreeLoraHook.restore(lora, "cl", dir.resolve("treelora-state"), manager)) {
                assertEquals(hook.core().tree().toText(), again.core().tree().toText());
            }
            hook.close();
            trainer.close();
            djlModel.close();
        }
    }

    /** Task t: y = tanh(W_t x) with a per-task teacher W_t; a fresh batch per step. */
    private static NDList regressionBatch(NDManager m, int task, int step) {
        Random teacher = new Random(100 + task);
        float[] w = new float[4 * 16];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) teacher.nextGaussian();
        }
        Random r = new Random(1000L * task + step);
        float[] x = new float[8 * 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        NDArray xs = m.create(x, new Shape(8, 16));
        NDArray ys = xs.matMul(m.create(w, new Shape(4, 16)).transpose()).tanh();
        return new NDList(xs, ys);
    }

    @Test
    void strategiesTrainerAndResume() throws IOException {
        List<ContinualTask> tasks = clusterTasks();
        try (NDManager manager = NDManager.newBaseManager()) {
            // [guide:trainer]
            LoraConfig lora = LoraConfig.builder().rank(4).alpha(8).targetModules("0", "2").build();
            var seq = new SeqLora(lora);                                  // one adapter, no protection
            var olora = new OLora(lora);                                  // orthogonality loss between tasks
            var inflora = new InfLora(lora);                              // A fixed off the old inputs' subspace
            var treeLora = new TreeLoraStrategy(lora,
                    TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).maxDepth(5).seed(1).build());

            ContinualTrainerConfig config = ContinualTrainerConfig.builder()
                    .epochs(2).batchSize(16).learningRate(5e-3).seed(1)
                    .protocol(EvaluationProtocol.CLASS_INCREMENTAL)
                    .checkpointDir(dir.resolve("checkpoint"))   // written after every task
                    .build();
            ContinualResult result = new ContinualTrainer(config).run(mlpBackbone(manager), tasks, treeLora);
            result.writeJson(dir.resolve("result.json"));
            System.out.println(treeLora.tree().toText());
            // [/guide]
            assertEquals(List.of("SeqLoRA", "O-LoRA", "InfLoRA"), List.of(seq.name(), olora.name(), inflora.name()));
            seq.close();
            olora.close();
            inflora.close();
            treeLora.close();
            assertEquals(3, result.accuracy().length);
            assertTrue(Files.isRegularFile(dir.resolve("checkpoint/checkpoint.json")));

            // [guide:resume]
            // After a crash: the same tasks and config, a fresh backbone with the same weights, a new strategy.
            ContinualResult resumed = new ContinualTrainer(config).resume(mlpBackbone(manager), tasks,
                    new TreeLoraStrategy(lora,
                            TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).maxDepth(5).seed(1).build()));
            // [/guide]
            // The checkpoint is after the last task: resuming only re-reads it, and the matrix is the same.
            assertArrayEquals(result.accuracy()[2], resumed.accuracy()[2], 0.0);
        }
    }

    private static Backbone mlpBackbone(NDManager manager) {
        Engine.getInstance().setRandomSeed(21);
        SequentialBlock mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(24).build())
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(24).build())
                .add(Activation::tanh);
        mlp.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
        return new Backbone("mlp", mlp, 24);
    }

    /** Three tasks of two Gaussian clusters each in 8 dimensions. */
    private static List<ContinualTask> clusterTasks() {
        Random r = new Random(5);
        float[][] centres = new float[6][8];
        for (float[] c : centres) {
            for (int i = 0; i < 8; i++) {
                c[i] = (float) (2 * r.nextGaussian());
            }
        }
        List<ContinualTask> tasks = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int[] classes = {2 * t, 2 * t + 1};
            tasks.add(new ContinualTask(t, "task" + t, classes, clusters(classes, centres, 32, r),
                    clusters(classes, centres, 16, r)));
        }
        return tasks;
    }

    private static ArrayTaskData clusters(int[] classes, float[][] centres, int perClass, Random r) {
        float[][] rows = new float[classes.length * perClass][8];
        int[] labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            int c = classes[i % classes.length];
            labels[i] = c;
            for (int d = 0; d < 8; d++) {
                rows[i][d] = centres[c][d] + (float) (0.5 * r.nextGaussian());
            }
        }
        return ArrayTaskData.of(rows, labels);
    }

    @Test
    void largeModelsHalfPrecisionStorageAndLeanLoss() throws Exception {
        Path checkpointDir = Path.of(getClass().getResource("/fixtures/llama-gqa-llama3rope/config.json").toURI())
                .getParent();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // Weight matrices and embeddings stored as float16; norms, adapters and all arithmetic stay float32.
            LlamaForCausalLM llm = LlamaForCausalLM.fromPretrained(checkpointDir, manager, WeightStorage.FLOAT16);
            LoraModel lora = new LoraModel(llm);
            lora.addAdapter("task0", LoraConfig.builder().rank(8).alpha(16).targetModules("q_proj", "v_proj").build());

            try (NDManager step = manager.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ids = step.create(new long[] {4, 8, 15, 16, 23, 42}, new Shape(1, 6));
                // Next-token loss over the labelled tokens, without [batch, tokens, vocabulary] logits.
                NDArray loss = llm.causalLmLoss(new ParameterStore(step, false), ids, null, ids, true);
                gc.backward(loss);
                assertTrue(Float.isFinite(loss.getFloat()) && loss.getFloat() > 0);
                lora.loraA("task0").values().forEach(a -> assertEquals(DataType.FLOAT32, a.getArray().getDataType()));
                // B starts at zero, so B is what receives a gradient in the first step.
                lora.loraB("task0").values().forEach(b -> assertTrue(b.getArray().getGradient().abs().sum().getFloat() > 0));
            }
            assertEquals(DataType.FLOAT16,
                    llm.namedParameters().get("model.layers.0.mlp.up_proj.weight").getArray().getDataType());
            assertEquals(WeightStorage.FLOAT32, WeightStorage.defaultFor(Device.cpu()));
        }
    }

    @Test
    void largeModelsLayerRecomputationWithTheTreeLoraHook() throws Exception {
        // Two tasks of TreeLoRA training, once with the guide's recomputed step and once with the plain step: the
        // hook's reports (distances, selections) and the trained adapters agree: neither the hook nor the update
        // changes.
        List<StepReport> recomputed = new ArrayList<>();
        List<StepReport> plain = new ArrayList<>();
        float[] withRecomputation = trainTwoTasks(true, recomputed);
        float[] without = trainTwoTasks(false, plain);
        assertEquals(plain.size(), recomputed.size());
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i).distances(), recomputed.get(i).distances(), 1e-5, "distances, step " + i);
            assertArrayEquals(plain.get(i).selectedTasks(), recomputed.get(i).selectedTasks(), "selected, step " + i);
        }
        double scale = 0;
        for (int i = 0; i < without.length; i++) {
            scale = Math.max(scale, Math.abs(without[i]));
            assertEquals(without[i], withRecomputation[i], 1e-5, "adapter value " + i);
        }
        assertTrue(scale > 0);
    }

    /** The hook's report of every step into {@code reports}; returns every LoRA A and B value. */
    private float[] trainTwoTasks(boolean recompute, List<StepReport> reports) throws Exception {
        Path checkpointDir = Path.of(getClass().getResource("/fixtures/llama-gqa-llama3rope/config.json").toURI())
                .getParent();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            LlamaForCausalLM llm = LlamaForCausalLM.fromPretrained(checkpointDir, manager, WeightStorage.FLOAT16);
            LoraModel lora = new LoraModel(llm);
            Engine.getInstance().setRandomSeed(7); // the same initial A in both runs
            lora.addAdapter("task0", LoraConfig.builder().rank(8).alpha(16).targetModules("q_proj", "v_proj").build());
            TreeLoraHook hook = new TreeLoraHook(lora, "task0",
                    TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).maxDepth(2).build(), manager);
            ParameterStore ps = new ParameterStore(manager, false);
            ps.setParameterServer(new LocalParameterServer(Optimizer.sgd()
                    .setLearningRateTracker(Tracker.fixed(0.1f)).build()), new Device[] {Device.cpu()});
            for (int task = 0; task < 2; task++) {
                hook.startTask(task);
                hook.startEpoch(2);
                for (int s = 0; s < 2; s++) {
                    if (recompute) {
                        // [guide]
                        try (NDManager step = manager.newSubManager()) {
                            NDArray ids = step.create(new long[] {4, 8, 15, 16, 23, 42}, new Shape(1, 6));
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                // Forward and backward; true = recompute the decoder layers during backward.
                                float loss = llm.causalLmBackward(ps, gc, ids, null, ids, true);
                                reports.add(hook.afterBackward(loss)); // optional: TreeLoRA, as usual
                            }
                            ps.updateAllParameters(); // the optimizer update, as usual
                        }
                        // [/guide]
                    } else {
                        try (NDManager step = manager.newSubManager()) {
                            NDArray ids = step.create(new long[] {4, 8, 15, 16, 23, 42}, new Shape(1, 6));
                            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                NDArray loss = llm.causalLmLoss(ps, ids, null, ids, true);
                                gc.backward(loss);
                                reports.add(hook.afterBackward(loss.getFloat()));
                            }
                            ps.updateAllParameters();
                        }
                    }
                }
                hook.finishTask();
            }
            hook.close();
            List<Float> values = new ArrayList<>();
            for (Parameter p : lora.loraA("task0").values()) {
                for (float v : p.getArray().toFloatArray()) {
                    values.add(v);
                }
            }
            for (Parameter p : lora.loraB("task0").values()) {
                for (float v : p.getArray().toFloatArray()) {
                    values.add(v);
                }
            }
            float[] out = new float[values.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = values.get(i);
            }
            return out;
        }
    }

    /** Every java block of docs/user-guide.md appears in this file, line by line (indentation ignored). */
    @Test
    void theGuideShowsThisFilesCode() throws IOException {
        Path guide = Path.of("..", "docs", "user-guide.md");
        String doc = Files.readString(guide);
        String self = Files.readString(Path.of("src/test/java/io/github/treelora/djl/UserGuideExamplesTest.java"));
        List<String> selfLines = self.lines().map(String::strip).toList();
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        int blocks = 0;
        while (m.find()) {
            blocks++;
            List<String> lines = m.group(1).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            int at = indexOfSequence(selfLines.stream().filter(l -> !l.isEmpty()).toList(), lines);
            assertTrue(at >= 0, "docs/user-guide.md block " + blocks + " is not in " + getClass().getSimpleName()
                    + ":\n" + m.group(1));
        }
        assertTrue(blocks >= 6, "the guide has its code blocks, found " + blocks);
    }

    private static int indexOfSequence(List<String> haystack, List<String> needle) {
        for (int i = 0; i + needle.size() <= haystack.size(); i++) {
            if (haystack.subList(i, i + needle.size()).equals(needle)) {
                return i;
            }
        }
        return -1;
    }
}
