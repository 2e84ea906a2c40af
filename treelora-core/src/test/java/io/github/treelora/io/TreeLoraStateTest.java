package io.github.treelora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.Preset;
import io.github.treelora.StepReport;
import io.github.treelora.TreeLora;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.memory.StorageBudget;
import io.github.treelora.vector.FloatVectorOps;
import io.github.treelora.vector.VectorOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Round trips of the whole core state, and rejection of damaged state directories. */
class TreeLoraStateTest {

    private static final int LAYERS = 3;
    private static final FloatVectorOps OPS = FloatVectorOps.INSTANCE;

    @TempDir
    Path dir;

    /** Three finished tasks and 7 steps into a fourth, with a storage budget that forces a merge. */
    private static TreeLora<float[]> midRun(Preset preset, Random r) {
        TreeLoraConfig config = TreeLoraConfig.builder(preset).seed(5).budget(StorageBudget.ofSlots(2)).build();
        TreeLora<float[]> tl = new TreeLora<>(config, OPS, LAYERS);
        for (int task = 0; task < 4; task++) {
            tl.startTask(task);
            tl.startEpoch(10);
            for (int s = 0; s < (task < 3 ? 10 : 7); s++) {
                tl.step(random(r), random(r), 1 + r.nextDouble());
            }
            if (task < 3) {
                tl.finishTask();
            }
        }
        return tl;
    }

    private static List<float[]> random(Random r) {
        List<float[]> out = new ArrayList<>();
        for (int l = 0; l < LAYERS; l++) {
            float[] v = new float[5];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            out.add(v);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Preset.class)
    void roundTripGivesAnEqualStateThatContinuesIdentically(Preset preset) throws IOException {
        TreeLora<float[]> original = midRun(preset, new Random(1));
        TreeLoraState.save(original, dir.resolve("state"));
        TreeLora<float[]> loaded = TreeLoraState.load(dir.resolve("state"), OPS);

        assertEquals(original.config(), loaded.config());
        assertEquals(original.memory().size(), loaded.memory().size());
        for (int i = 0; i < original.memory().size(); i++) {
            assertEquals(original.memory().slots().get(i).taskIds(), loaded.memory().slots().get(i).taskIds());
            assertEquals(original.memory().slots().get(i).sampleCount(),
                    loaded.memory().slots().get(i).sampleCount());
            for (int l = 0; l < LAYERS; l++) {
                assertArrayEquals(original.memory().slots().get(i).vectors().get(l),
                        loaded.memory().slots().get(i).vectors().get(l));
            }
        }
        assertEquals(original.tree().toJson(), loaded.tree().toJson());
        assertEquals(original.progress().stepInEpoch(), loaded.progress().stepInEpoch());

        Random a = new Random(2);
        Random b = new Random(2);
        for (int s = 0; s < 3; s++) {
            List<float[]> ga = random(a);
            List<float[]> gb = random(b);
            StepReport ra = original.step(ga, random(a), 1.5);
            StepReport rb = loaded.step(gb, random(b), 1.5);
            assertArrayEquals(ra.selectedTasks(), rb.selectedTasks());
            assertArrayEquals(ra.distances(), rb.distances());
            for (int l = 0; l < LAYERS; l++) {
                assertArrayEquals(ga.get(l), gb.get(l));
            }
        }
        original.finishTask();
        loaded.finishTask();
        assertEquals(original.tree().toJson(), loaded.tree().toJson());
    }

    @Test
    void stateSavedBetweenTasksContinuesIdenticallyIncludingTheReferenceRandomDraws() throws IOException {
        Random r = new Random(4);
        TreeLoraConfig config = TreeLoraConfig.of(Preset.REFERENCE).toBuilder().seed(9).build();
        TreeLora<float[]> original = new TreeLora<>(config, OPS, LAYERS);
        for (int task = 0; task < 3; task++) {
            original.startTask(task);
            original.startEpoch(20);
            for (int s = 0; s < 20; s++) {
                original.step(random(r), random(r), 1.0);
            }
            original.finishTask();
        }
        TreeLoraState.save(original, dir.resolve("between"));
        TreeLora<float[]> loaded = TreeLoraState.load(dir.resolve("between"), OPS);
        assertEquals(original.selectorRandomState(), loaded.selectorRandomState());
        original.startTask(3);
        loaded.startTask(3);
        original.startEpoch(30);
        loaded.startEpoch(30);
        for (int s = 0; s < 30; s++) {
            List<float[]> g = random(r);
            List<float[]> v = random(r);
            List<float[]> g2 = new ArrayList<>();
            g.forEach(x -> g2.add(x.clone()));
            assertArrayEquals(original.step(g, v, 1.0).selectedTasks(), loaded.step(g2, v, 1.0).selectedTasks(),
                    "selection at step " + s);
        }
    }

    @Test
    void savingReplacesAnExistingStateAndLeavesNoTemporaryFiles() throws IOException {
        Path target = dir.resolve("state");
        TreeLoraState.save(midRun(Preset.PAPER, new Random(1)), target);
        TreeLoraState.save(midRun(Preset.REFERENCE, new Random(1)), target);
        assertEquals(Preset.REFERENCE, TreeLoraState.load(target, OPS).config().preset());
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(List.of(target), entries.toList());
        }
    }

    @Test
    void aCrashWhileSavingLeavesThePreviousStateLoadable() throws IOException {
        Path target = dir.resolve("state");
        TreeLoraState.save(midRun(Preset.PAPER, new Random(1)), target);
        byte[] before = Files.readAllBytes(target.resolve(TreeLoraState.VECTORS_FILE));
        TreeLora<float[]> failing = new TreeLora<>(TreeLoraConfig.of(Preset.PAPER), new FailingOps(), LAYERS);
        failing.startTask(0);
        failing.startEpoch(1);
        failing.step(random(new Random(3)), random(new Random(4)), 1.0);
        failing.finishTask();
        assertThrows(IllegalStateException.class, () -> TreeLoraState.save(failing, target));
        assertArrayEquals(before, Files.readAllBytes(target.resolve(TreeLoraState.VECTORS_FILE)));
        assertEquals(3, TreeLoraState.load(target, OPS).memory().slots().stream()
                .mapToInt(s -> s.taskIds().size()).sum());
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(1, entries.count(), "no temporary directory left behind");
        }
    }

    @Test
    void flippedByteIsDetected() throws IOException {
        Path target = saved();
        Path vectors = target.resolve(TreeLoraState.VECTORS_FILE);
        byte[] bytes = Files.readAllBytes(vectors);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(vectors, bytes);
        IOException e = assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void truncatedVectorsFileIsDetected() throws IOException {
        Path target = saved();
        Path vectors = target.resolve(TreeLoraState.VECTORS_FILE);
        byte[] bytes = Files.readAllBytes(vectors);
        Files.write(vectors, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS));
    }

    @Test
    void missingOrDamagedJsonIsDetected() throws IOException {
        Path target = saved();
        Path json = target.resolve(TreeLoraState.STATE_JSON);
        String good = Files.readString(json);

        Files.writeString(json, good.substring(0, good.length() / 2));
        assertTrue(assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS))
                .getMessage().contains("not valid JSON"));

        Files.writeString(json, good.replace("\"maxDepth\" : 2147483647", "\"maxDepth\" : -1"));
        assertTrue(assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS))
                .getMessage().contains("maxDepth"));

        Files.writeString(json, good.replace("\"numLayers\"", "\"numLayerz\""));
        assertTrue(assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS))
                .getMessage().contains("numLayers"));

        Files.writeString(json, good.replace("\"threshold\"", "\"threshold\" : 12345.0, \"x\""));
        assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS));

        Files.delete(json);
        assertTrue(assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS))
                .getMessage().contains("missing"));
    }

    @Test
    void missingVectorsFileIsDetected() throws IOException {
        Path target = saved();
        Files.delete(target.resolve(TreeLoraState.VECTORS_FILE));
        assertTrue(assertThrows(IOException.class, () -> TreeLoraState.load(target, OPS))
                .getMessage().contains("missing"));
    }

    private Path saved() throws IOException {
        Path target = dir.resolve("state");
        TreeLoraState.save(midRun(Preset.PAPER, new Random(1)), target);
        return target;
    }

    /** Float arithmetic whose host copy fails, as a device error during a save would. */
    private static final class FailingOps implements VectorOps<float[]> {
        @Override public int length(float[] v) { return v.length; }
        @Override public float[] zeros(int n) { return new float[n]; }
        @Override public float[] copy(float[] v) { return v.clone(); }
        @Override public double l1Distance(float[] a, float[] b) { return OPS.l1Distance(a, b); }
        @Override public double dot(float[] a, float[] b) { return OPS.dot(a, b); }
        @Override public double l2Norm(float[] v) { return OPS.l2Norm(v); }
        @Override public void axpy(double alpha, float[] x, float[] y) { OPS.axpy(alpha, x, y); }
        @Override public void scale(float[] v, double s) { OPS.scale(v, s); }
        @Override public float[] fromFloatArray(float[] values) { return values.clone(); }
        @Override public float[] toFloatArray(float[] v) { throw new IllegalStateException("device lost"); }
    }
}
