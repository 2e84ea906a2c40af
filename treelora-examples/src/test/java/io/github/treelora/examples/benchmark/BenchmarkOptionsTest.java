package io.github.treelora.examples.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

/** Per-strategy budgets: command defaults, the options for all and per strategy, quick mode and bad values. */
class BenchmarkOptionsTest {

    private static final Map<String, Budget> DEFAULTS = Map.of("seqlora", new Budget(3, 5e-3), "olora",
            new Budget(3, 1e-2), "inflora", new Budget(3, 5e-3), "treelora", new Budget(1, 1e-2), "treelora-reference",
            new Budget(3, 1e-2));

    @Command(name = "job")
    static final class Job {
        @Mixin
        BenchmarkOptions options = new BenchmarkOptions(64, 4, TaskInference.NONE, DEFAULTS);
    }

    private static BenchmarkOptions parse(String... args) {
        Job job = new Job();
        new CommandLine(job).parseArgs(args);
        return job.options;
    }

    @Test
    void defaultsApplyPerStrategyAndCommandLineValuesOverrideThem() {
        List<String> names = List.of("seqlora", "treelora");
        StringWriter err = new StringWriter();
        PrintWriter w = new PrintWriter(err, true);
        assertEquals(Map.of("seqlora", new Budget(3, 5e-3), "treelora", new Budget(1, 1e-2)),
                parse().budgets("job", names, w));
        assertEquals(Map.of("seqlora", new Budget(2, 2e-2), "treelora", new Budget(2, 2e-2)),
                parse("--epochs", "2", "--lr", "2e-2").budgets("job", names, w));
        assertEquals(Map.of("seqlora", new Budget(2, 5e-3), "treelora", new Budget(5, 3e-3)),
                parse("--epochs", "2", "--strategy-epochs", "TreeLoRA=5", "--strategy-lr", "treelora=3e-3")
                        .budgets("job", names, w));
        assertEquals(Map.of("seqlora", new Budget(1, 5e-3), "treelora", new Budget(1, 1e-2)),
                parse("--quick", "--strategy-epochs", "seqlora=4").budgets("job", names, w), "quick: one epoch");
        assertEquals(names, List.copyOf(parse().budgets("job", names, w).keySet()), "in the order of the strategies");
        assertEquals("", err.toString());
    }

    @Test
    void badValuesAndUnselectedStrategiesAreNamed() {
        List<String> names = List.of("olora");
        for (String[] args : new String[][] {{"--epochs", "0"}, {"--lr", "-0.5"}, {"--lr", "NaN"},
                {"--strategy-epochs", "treelora=2"}, {"--strategy-epochs", "olora=0"}, {"--strategy-lr", "olora=0"},
                {"--strategy-lr", "inflora=0.5"}}) {
            StringWriter err = new StringWriter();
            assertNull(parse(args).budgets("job", names, new PrintWriter(err, true)), String.join(" ", args));
            assertTrue(err.toString().startsWith("job: " + args[0] + " "), err.toString());
            assertTrue(err.toString().contains(args[1]), err.toString());
        }
    }

    @Test
    void planChecksTheSharedOptionsAndKeepsTheGivenOrder() {
        StringWriter ok = new StringWriter();
        Map<String, Budget> plan = parse("--strategies", " TreeLoRA,olora").plan("job", new PrintWriter(ok, true));
        assertEquals(List.of("treelora", "olora"), List.copyOf(plan.keySet()));
        assertEquals(new Budget(3, 1e-2), plan.get("olora"));
        assertEquals("", ok.toString());
        assertEquals("Adam, constant learning rate (per strategy, in the table), batch 16, re-created at each task",
                parse("--batch", "16").optimizerSetting());
        for (String[] args : new String[][] {{"--strategies", "ewc"}, {"--batch", "0"}, {"--rank", "0"},
                {"--treelora-lambda", "-1"}, {"--strategies", "olora", "--strategy-lr", "treelora=1e-3"}}) {
            StringWriter err = new StringWriter();
            assertNull(parse(args).plan("job", new PrintWriter(err, true)), String.join(" ", args));
            assertTrue(err.toString().startsWith("job: "), err.toString());
        }
        StringWriter err = new StringWriter();
        assertNull(parse("--strategies", "ewc").plan("job", new PrintWriter(err, true)));
        assertTrue(err.toString().contains("unknown strategy 'ewc'"), err.toString());
    }

    @Test
    void sameForAllCoversEveryStrategyAndBudgetsRejectNonsense() {
        Map<String, Budget> same = BenchmarkOptions.sameForAll(2, 1e-3);
        assertEquals(Strategies.NAMES, List.copyOf(same.keySet()));
        assertTrue(same.values().stream().allMatch(b -> b.equals(new Budget(2, 1e-3))));
        assertThrows(IllegalArgumentException.class, () -> new Budget(0, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> new Budget(1, Double.POSITIVE_INFINITY));
        assertEquals("3 epochs, lr 0.01", new Budget(3, 1e-2).toString());
    }
}
