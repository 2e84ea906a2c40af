package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.treelora.djl.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Fresh strategy instances for tests (from {@link StrategyRegistry}), and a wrapper that fails on purpose. */
final class Strategies {

    /** The ids the tests run. */
    static final List<String> NAMES = List.of("seqlora", "olora", "inflora", "treelora", "treelora-reference");

    /** The display names of {@link #NAMES}, as reports show them. */
    static final Map<String, String> DISPLAY = Map.of("seqlora", "SeqLoRA", "olora", "O-LoRA", "inflora", "InfLoRA",
            "treelora", "TreeLoRA-PAPER", "treelora-reference", "TreeLoRA-REFERENCE");

    private Strategies() {
    }

    static ContinualStrategy create(String id) {
        return create(id, Synthetic.lora(4));
    }

    /**
     * The same strategies with another adapter configuration (e.g. q_proj and v_proj of a decoder). The tests'
     * settings: InfLoRA with threshold 0.9 over 4 batches (the tiny tasks have few), TreeLoRA lambda 0.1 without a
     * depth limit, seed 3 for TreeLoRA's REFERENCE selector.
     */
    static ContinualStrategy create(String id, LoraConfig lora) {
        return StrategyRegistry.create(id, StrategyOptions.builder(lora).seed(3).infLora(0.9, 4).build());
    }

    /** Delegates everything; throws {@link Killed} at {@code beforeTask(killAt)} or {@code saveState} #failSave. */
    static class Failing implements ContinualStrategy {
        final ContinualStrategy inner;
        final int killAt;
        final int failSave;
        int saves;

        Failing(ContinualStrategy inner, int killAt, int failSave) {
            this.inner = inner;
            this.killAt = killAt;
            this.failSave = failSave;
        }

        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Map<String, Object> settings() {
            return inner.settings();
        }

        @Override
        public void attach(StrategyContext context) {
            inner.attach(context);
        }

        @Override
        public void beforeTask(ContinualTask task, int index) {
            if (index == killAt) {
                throw new Killed("killed before task " + index);
            }
            inner.beforeTask(task, index);
        }

        @Override
        public void beforeEpoch(int epoch, int stepsPerEpoch) {
            inner.beforeEpoch(epoch, stepsPerEpoch);
        }

        @Override
        public NDArray lossTerm(NDManager step) {
            return inner.lossTerm(step);
        }

        @Override
        public void afterBackward(double loss) {
            inner.afterBackward(loss);
        }

        @Override
        public void afterTask(ContinualTask task, int index) {
            inner.afterTask(task, index);
        }

        @Override
        public void saveState(Path dir) throws IOException {
            inner.saveState(dir);
            if (saves++ == failSave) {
                throw new IOException("disk full (injected) while saving checkpoint " + saves);
            }
        }

        @Override
        public void loadState(Path dir, List<ContinualTask> finished) throws IOException {
            inner.loadState(dir, finished);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** The injected crash. */
    static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Killed(String message) {
            super(message);
        }
    }

    static Supplier<ContinualStrategy> supplier(String name) {
        return () -> create(name);
    }
}
