package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.lang.reflect.Field;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-step arrays must not pile up in the model's manager: after a run, the backbone's manager holds the same
 * number of resources whether each task ran 1 or 6 epochs.
 */
class ManagerScopeTest {

    private static int resourcesAfterRun(String strategy, int epochs) throws Exception {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Backbone backbone = Synthetic.backbone(m, 1);
            new ContinualTrainer(ContinualTrainerConfig.builder().epochs(epochs).batchSize(8).progress(false).build())
                    .run(backbone, Synthetic.tasks(2, 2, 16, 4, 1, 0.5), Strategies.create(strategy));
            Field f = BaseNDManager.class.getDeclaredField("resources");
            f.setAccessible(true);
            return ((Map<?, ?>) f.get(m)).size();
        }
    }

    @Test
    void resourcesDoNotGrowWithTheNumberOfSteps() throws Exception {
        for (String s : Strategies.NAMES) {
            int one = resourcesAfterRun(s, 1);
            int six = resourcesAfterRun(s, 6);
            System.out.printf("%s: %d resources in the model manager after 1 epoch per task, %d after 6%n", s, one,
                    six);
            assertEquals(one, six, s + ": arrays leaked into the model's manager per step");
        }
    }
}
