#!/usr/bin/env python3
"""Median LoRA training step of a real-size LLM in PyTorch eager: the Python side of `treelora bench-llm`.

Not run by CI. It times the step that `bench-llm` times (treelora-examples/.../bench/LlmBenchmarkCommand.java) on
the same checkpoint, the random BF16 one that command builds in --work DIR/<shape>:

- Load: transformers' AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32) (Qwen2ForCausalLM or
  LlamaForCausalLM from the config), i.e. float32 weights and float32 compute; seconds, GB/s of checkpoint bytes.
- LoRA: PEFT get_peft_model with LoraConfig(r, lora_alpha=2r, target_modules (q_proj, v_proj), dropout 0, bias
  none); every other parameter frozen.
- A timed step: zero_grad, forward with labels = input ids (transformers' causal-LM loss: shifted, mean over
  tokens), backward, Adam (lr 1e-4) on the LoRA parameters; drawing the random token ids (seeded SplitMix64, the
  same ids as bench-llm draws) is not timed.
- Memory: peak resident set size (VmHWM from /proc/self/status) of the load and of each batch size's steps (the
  peak is reset to the current size before each phase by writing 5 to /proc/self/clear_refs, as bench-llm does).

Threads: torch.set_num_threads / set_num_interop_threads(--threads). Run it with the project's oracle environment
(PyTorch 2.13 from the wheel mirror).

Usage: .venv-oracle/bin/python bench_llm_step.py --checkpoint WORK/qwen2.5-0.5b --batch 1,4 --seq 256 \
           --warmup 1 --repeats 3 --threads 2
Prints a human-readable table and one JSON line (the keys of bench-llm's JSON result, "impl": "pytorch").
"""

import argparse
import glob
import json
import os
import re
import statistics
import sys
import time


def vm(field):
    """A /proc/self/status size in bytes (VmHWM, VmRSS), or -1."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def reset_peak():
    """Resets VmHWM to the current RSS (Linux 4.0+); returns whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


MASK = (1 << 64) - 1


class TokenIds:
    """SplitMix64 token ids, exactly as bench-llm draws them (LlmBenchmarkCommand.TokenIds), so both sides train
    on the same ids and their first losses can be compared."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self, vocab):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return (z ^ (z >> 31)) % vocab


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", required=True, help="checkpoint directory (config.json + safetensors)")
    ap.add_argument("--batch", default="1,4", help="batch sizes, comma-separated")
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--targets", default="q_proj,v_proj")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    batches = [int(b) for b in a.batch.split(",")]
    if a.warmup < 0 or a.repeats < 1 or a.threads < 1 or a.rank < 1 or a.seq < 2 or min(batches) < 1:
        ap.error("need --warmup >= 0 and positive --repeats, --threads, --rank, --batch, --seq >= 2")
    files = glob.glob(os.path.join(a.checkpoint, "*.safetensors"))
    if not files or not os.path.isfile(os.path.join(a.checkpoint, "config.json")):
        ap.error(f"{a.checkpoint} holds no config.json and safetensors files (build it with bench-llm first)")

    import torch
    import transformers
    import peft

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
    load_before = load_average()
    ckpt_bytes = sum(os.path.getsize(f) for f in files)

    reset_peak()
    t0 = time.perf_counter()
    model = transformers.AutoModelForCausalLM.from_pretrained(a.checkpoint, dtype=torch.float32)
    load_s = time.perf_counter() - t0
    load = {"seconds": round(load_s, 4), "gb_per_s": round(ckpt_bytes / 1e9 / load_s, 4),
            "peak_rss_bytes": vm("VmHWM"), "rss_after_bytes": vm("VmRSS")}
    n_params = sum(p.numel() for p in model.parameters())
    cfg = model.config
    print(f"PyTorch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}: "
          f"{type(model).__name__}, {n_params:,} parameters, checkpoint {ckpt_bytes / 1e9:.3f} GB in {len(files)} "
          f"file(s)")
    print(f"load (float32): {load_s:.2f} s, {ckpt_bytes / 1e9 / load_s:.2f} GB/s, peak RSS "
          f"{load['peak_rss_bytes'] / 1e9:.2f} GB, RSS after {load['rss_after_bytes'] / 1e9:.2f} GB", flush=True)

    lcfg = peft.LoraConfig(r=a.rank, lora_alpha=2 * a.rank, target_modules=a.targets.split(","), lora_dropout=0.0,
                           bias="none", task_type="CAUSAL_LM")
    model = peft.get_peft_model(model, lcfg)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    n_trainable = sum(p.numel() for p in trainable)
    adapted = sum(1 for n, _ in model.named_modules() if n.endswith(tuple(a.targets.split(","))))
    opt = torch.optim.Adam(trainable, lr=1e-4)
    gen = TokenIds(a.seed)
    vocab = cfg.vocab_size

    def step(batch):
        ids = torch.tensor([gen.next(vocab) for _ in range(batch * a.seq)], dtype=torch.long).view(batch, a.seq)
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        out = model(input_ids=ids, labels=ids, use_cache=False)
        loss = out.loss
        loss.backward()
        opt.step()
        return time.perf_counter() - t, loss.item()

    print(f"LoRA r={a.rank} alpha {2 * a.rank} on {adapted} modules ({a.targets}), {n_trainable:,} trainable "
          f"parameters, Adam; threads {torch.get_num_threads()}")
    print(f"{'batch':<10} {'step s':>12} {'tokens/s':>10} {'peak RSS GB':>12}   runs")
    rows = []
    for b in batches:
        reset_peak()
        for _ in range(a.warmup):
            step(b)
        runs, losses = [], []
        for _ in range(a.repeats):
            s, l = step(b)
            runs.append(s)
            losses.append(l)
        med = statistics.median(runs)
        rows.append({"batch": b, "seq": a.seq, "tokens": b * a.seq, "warmup": a.warmup, "repeats": a.repeats,
                     "median_s": round(med, 4), "runs_s": [round(r, 4) for r in runs],
                     "tokens_per_s": round(b * a.seq / med, 4), "first_loss": round(losses[0], 4),
                     "trainable": n_trainable, "adapted_modules": adapted, "peak_rss_bytes": vm("VmHWM")})
        print(f"{f'{b}x{a.seq}':<10} {med:12.3f} {b * a.seq / med:10.1f} {vm('VmHWM') / 1e9:12.2f}   "
              + " ".join(f"{r:.3f}" for r in runs), flush=True)

    cfg_text = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=([^,]+)", cfg_text)
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "transformers": transformers.__version__,
                      "peft": peft.__version__, "blas": blas.group(1) if blas else "unknown",
                      "model_class": type(model.get_base_model()).__name__, "parameters": n_params,
                      "threads": torch.get_num_threads(), "rank": a.rank, "targets": a.targets.split(","),
                      "checkpoint": {"dir": os.path.abspath(a.checkpoint), "files": len(files), "bytes": ckpt_bytes},
                      "load": load, "steps": rows, "peak_rss_bytes": vm("VmHWM"),
                      "machine": {"load_average_before": load_before, "load_average_after": load_average()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
