package io.github.treelora.examples.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.treelora.djl.cl.TaskInference;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Epoch budgets per strategy: command defaults, --epochs, --strategy-epochs, quick mode and bad counts. */
class BenchmarkOptionsTest {

    private static final Map<String, Integer> DEFAULTS = Map.of("seqlora", 3, "olora", 3, "inflora", 3, "treelora",
            1, "treelora-reference", 3);

    @Command(name = "job")
    static final class Job {
        @Mixin
        BenchmarkOptions options = new BenchmarkOptions(64, 1e-2, 4, TaskInference.NONE, DEFAULTS);
    }

    private static BenchmarkOptions parse(String... args) {
        Job job = new Job();
        new CommandLine(job).parseArgs(args);
        return job.options;
    }

    @Test
    void defaultsApplyPerStrategyAndCommandLineCountsOverrideThem() {
        List<String> names = List.of("seqlora", "treelora");
        StringWriter err = new StringWriter();
        PrintWriter w = new PrintWriter(err, true);
        assertEquals(Map.of("seqlora", 3, "treelora", 1), parse().epochsByStrategy("job", names, w));
        assertEquals(Map.of("seqlora", 2, "treelora", 2), parse("--epochs", "2").epochsByStrategy("job", names, w));
        assertEquals(Map.of("seqlora", 2, "treelora", 5),
                parse("--epochs", "2", "--strategy-epochs", "TreeLoRA=5").epochsByStrategy("job", names, w));
        assertEquals(Map.of("seqlora", 1, "treelora", 1),
                parse("--quick", "--strategy-epochs", "seqlora=4").epochsByStrategy("job", names, w));
        assertEquals(List.of("seqlora", "treelora"),
                List.copyOf(parse().epochsByStrategy("job", names, w).keySet()), "in the order of the strategies");
        assertEquals("", err.toString());
    }

    @Test
    void badCountsAndUnselectedStrategiesAreNamed() {
        List<String> names = List.of("olora");
        for (String[] args : new String[][] {{"--epochs", "0"}, {"--strategy-epochs", "treelora=2"},
                {"--strategy-epochs", "olora=0"}}) {
            StringWriter err = new StringWriter();
            assertNull(parse(args).epochsByStrategy("job", names, new PrintWriter(err, true)), String.join(" ", args));
            assertTrue(err.toString().startsWith("job: --"), err.toString());
            assertTrue(err.toString().contains(args[1].replaceAll("=.*", "")), err.toString());
        }
    }

    @Test
    void sameEpochsCoversEveryStrategy() {
        Map<String, Integer> same = BenchmarkOptions.sameEpochs(2);
        assertEquals(Strategies.NAMES, List.copyOf(same.keySet()));
        assertTrue(same.values().stream().allMatch(e -> e == 2));
    }
}
