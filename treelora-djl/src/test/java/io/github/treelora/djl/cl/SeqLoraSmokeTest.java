package io.github.treelora.djl.cl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class SeqLoraSmokeTest {
    @Test
    void runs() throws Exception {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            var tasks = Synthetic.tasks(2, 2, 40, 20, 3, 0.5);
            var cfg = ContinualTrainerConfig.builder().epochs(3).batchSize(16).learningRate(1e-2).seed(1)
                    .progress(false).build();
            ContinualResult r = new ContinualTrainer(cfg).run(Synthetic.backbone(m, 1), tasks,
                    new SeqLora(Synthetic.lora(4)));
            System.out.println(r.toJson());
            assertTrue(r.metrics().accuracy() > 0);
        }
    }
}
