#!/usr/bin/env python3
"""Median time of one LoRA ViT training step in plain PyTorch: the Python side of `treelora bench-step`.

Not run by CI. It rebuilds the model and step that the DJL command times
(treelora-examples/.../bench/LoraVitStepRig.java) so the two medians can be compared:

- ViT with Hugging Face layout semantics: Conv2d patch embedding (kernel = stride = patch), a cls token and
  learned position embeddings, pre-norm encoder layers (LayerNorm eps 1e-12, self-attention with separate
  query/key/value Linear layers with bias, output dense, residual; LayerNorm, dense + exact-erf GELU, dense,
  residual), a final LayerNorm and a Linear classifier on the cls position; no dropout.
- LoRA on every query and value layer: y = W x + b + B(A x) * alpha / r with alpha = 2 r, A Kaiming-uniform,
  B zero (PEFT's default).
- Trainable: only the LoRA A and B matrices. The DJL side injects with PEFT semantics, which freezes every
  other parameter, the classifier included; the script prints the trainable count so the two can be checked.
- Loss: -mean(sum(log_softmax(logits) * one_hot)), the same expression as the DJL step.
- A timed step is zero_grad + forward + backward + Adam(lr 1e-3) step; drawing the random batch is not timed.

Threads: torch.set_num_threads(--threads). Run it with the project's oracle environment (PyTorch 2.13 from the
wheel mirror, which bundles MKL and oneDNN); the script reports the BLAS and oneDNN the build uses.

Usage: .venv-oracle/bin/python bench_lora_vit_step.py --image 32 --patch 4 --hidden 384 --layers 6 --heads 6 \
           --mlp 1536 --batch 16 --rank 8 --warmup 30 --steps 30 --threads 2
Prints a human-readable summary and one JSON line (same keys as the DJL command, "impl": "pytorch").
"""

import argparse
import json
import math
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

LABELS = 10  # classes of the synthetic task, as LoraVitStepRig.LABELS


class LoraLinear(nn.Module):
    """A frozen Linear plus a trainable low-rank update B(A x) * alpha / r."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        self.base.bias.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / rank

    def forward(self, x):
        return self.base(x) + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scaling


class SelfAttention(nn.Module):
    def __init__(self, hidden: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dense = nn.Linear(hidden, hidden)  # HF's attention.output.dense

    def split(self, t):
        b, n, _ = t.shape
        return t.view(b, n, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x):
        b, n, h = x.shape
        # Same order of operations as the DJL block: scale q, then q k^T, softmax, times v.
        q = self.split(self.query(x)) * (1.0 / math.sqrt(self.head_dim))
        k = self.split(self.key(x))
        v = self.split(self.value(x))
        probs = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        context = (probs @ v).transpose(1, 2).reshape(b, n, h)
        return self.dense(context)


class ViTLayer(nn.Module):
    def __init__(self, hidden: int, heads: int, mlp: int, eps: float):
        super().__init__()
        self.layernorm_before = nn.LayerNorm(hidden, eps=eps)
        self.attention = SelfAttention(hidden, heads)
        self.layernorm_after = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, mlp)
        self.output = nn.Linear(mlp, hidden)

    def forward(self, x):
        x = self.attention(self.layernorm_before(x)) + x
        return self.output(F.gelu(self.intermediate(self.layernorm_after(x)))) + x


class ViTForImageClassification(nn.Module):
    def __init__(self, image, patch, channels, hidden, layers, heads, mlp, labels, eps=1e-12):
        super().__init__()
        if image % patch != 0 or hidden % heads != 0:
            raise ValueError(f"image {image} must be a multiple of patch {patch} and hidden {hidden} of heads {heads}")
        tokens = (image // patch) ** 2 + 1
        self.projection = nn.Conv2d(channels, hidden, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, hidden) * 0.02)
        self.position_embeddings = nn.Parameter(torch.randn(1, tokens, hidden) * 0.02)
        self.layers = nn.ModuleList(ViTLayer(hidden, heads, mlp, eps) for _ in range(layers))
        self.layernorm = nn.LayerNorm(hidden, eps=eps)
        self.classifier = nn.Linear(hidden, labels)

    def forward(self, pixels):
        x = self.projection(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.position_embeddings
        for layer in self.layers:
            x = layer(x)
        return self.classifier(self.layernorm(x)[:, 0, :])


def add_lora(model: ViTForImageClassification, rank: int, alpha: float) -> int:
    """Freezes everything, then wraps every query and value Linear with LoRA (PEFT semantics)."""
    for p in model.parameters():
        p.requires_grad_(False)
    count = 0
    for layer in model.layers:
        att = layer.attention
        att.query = LoraLinear(att.query, rank, alpha)
        att.value = LoraLinear(att.value, rank, alpha)
        count += 2
    return count


def loaded_blas() -> str:
    """The BLAS and oneDNN this PyTorch build uses (from its build configuration)."""
    cfg = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=([^,]+)", cfg)
    onednn = re.search(r"(?:MKL-DNN|oneDNN) (v[0-9.]+)", cfg)
    return f"{blas.group(1) if blas else 'unknown'}, oneDNN {onednn.group(1) if onednn else 'absent'}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in [("image", 32), ("patch", 4), ("channels", 3), ("hidden", 384), ("layers", 6),
                          ("heads", 6), ("mlp", 1536), ("batch", 16), ("rank", 8), ("warmup", 30),
                          ("steps", 30), ("threads", 2)]:
        ap.add_argument("--" + name, type=int, default=default)
    a = ap.parse_args(argv)
    if a.warmup < 0 or a.steps <= 0 or a.threads <= 0 or a.batch <= 0 or a.rank <= 0:
        ap.error("need --warmup >= 0 and positive --steps, --threads, --batch, --rank")

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = ViTForImageClassification(a.image, a.patch, a.channels, a.hidden, a.layers, a.heads, a.mlp, LABELS)
    modules = add_lora(model, a.rank, 2.0 * a.rank)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    n_trainable = sum(p.numel() for p in trainable)
    opt = torch.optim.Adam(trainable, lr=1e-3)

    def step():
        x = torch.randn(a.batch, a.channels, a.image, a.image)
        one_hot = F.one_hot(torch.randint(0, LABELS, (a.batch,)), LABELS).float()
        t0 = time.perf_counter()
        opt.zero_grad()
        logits = model(x)
        loss = -(torch.log_softmax(logits, dim=-1) * one_hot).sum(1).mean()
        loss.backward()
        opt.step()
        return (time.perf_counter() - t0) * 1e3

    for _ in range(a.warmup):
        step()
    times = [step() for _ in range(a.steps)]
    med = statistics.median(times)
    blas = loaded_blas()
    print(f"PyTorch {torch.__version__}: ViT image {a.image} patch {a.patch} channels {a.channels} hidden {a.hidden}"
          f" layers {a.layers} heads {a.heads} mlp {a.mlp} batch {a.batch}, LoRA r={a.rank} on {modules} modules,"
          f" {n_trainable} trainable scalars, threads {torch.get_num_threads()}, BLAS {blas}")
    print(f"median step: {med:.2f} ms (n={len(times)}, min {min(times):.2f}, max {max(times):.2f})")
    print(json.dumps({"impl": "pytorch", "image": a.image, "patch": a.patch, "channels": a.channels,
                      "hidden": a.hidden, "layers": a.layers, "heads": a.heads, "mlp": a.mlp, "batch": a.batch,
                      "rank": a.rank, "threads": torch.get_num_threads(), "trainable": n_trainable,
                      "warmup": a.warmup, "steps": a.steps, "median_ms": round(med, 3),
                      "torch": torch.__version__, "blas": blas}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
