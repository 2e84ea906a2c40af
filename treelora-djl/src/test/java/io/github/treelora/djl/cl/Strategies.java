package io.github.treelora.djl.cl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.treelora.Preset;
import io.github.treelora.TreeLoraConfig;
import io.github.treelora.djl.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Fresh strategy instances for tests, and a wrapper that fails on purpose. */
final class Strategies {

    static final List<String> NAMES = List.of("SeqLoRA", "O-LoRA", "InfLoRA", "TreeLoRA-PAPER",
            "TreeLoRA-REFERENCE");

    private Strategies() {
    }

    static ContinualStrategy create(String name) {
        return create(name, Synthetic.lora(4));
    }

    /** The same strategies with another adapter configuration (e.g. q_proj and v_proj of a decoder). */
    static ContinualStrategy create(String name, LoraConfig lora) {
        return switch (name) {
            case "SeqLoRA" -> new SeqLora(lora);
            case "O-LoRA" -> new OLora(lora);
            case "InfLoRA" -> new InfLora(lora, 0.9, 4);
            case "TreeLoRA-PAPER" -> new TreeLoraStrategy(lora,
                    TreeLoraConfig.builder(Preset.PAPER).lambda(0.1).build());
            case "TreeLoRA-REFERENCE" -> new TreeLoraStrategy(lora,
                    TreeLoraConfig.builder(Preset.REFERENCE).lambda(0.1).seed(3).build());
            default -> throw new IllegalArgumentException(name);
        };
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
