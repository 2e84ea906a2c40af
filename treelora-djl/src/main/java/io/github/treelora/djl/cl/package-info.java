/**
 * Continual learning with LoRA on a frozen DJL backbone: task data ({@link io.github.treelora.djl.cl.TaskData},
 * {@link io.github.treelora.djl.cl.ArrayTaskData}, {@link io.github.treelora.djl.cl.ContinualTask}), the
 * {@link io.github.treelora.djl.cl.ContinualTrainer} (the training loop; evaluation into an accuracy matrix,
 * checkpoints, progress and the divergence check are {@link io.github.treelora.djl.cl.TrainerListener}s; resume; a
 * JSON {@link io.github.treelora.djl.cl.ContinualResult}), and the methods behind
 * {@link io.github.treelora.djl.cl.ContinualStrategy}: {@link io.github.treelora.djl.cl.SeqLora},
 * {@link io.github.treelora.djl.cl.OLora}, {@link io.github.treelora.djl.cl.InfLora} and
 * {@link io.github.treelora.djl.cl.TreeLoraStrategy}, listed by id in
 * {@link io.github.treelora.djl.cl.StrategyRegistry}. See docs/continual-trainer.md.
 */
package io.github.treelora.djl.cl;
