#!/usr/bin/env bash
# DJL vs Python PyTorch: median LoRA ViT training-step time (forward + backward + Adam on LoRA q/v), same
# shapes and 2 intra-op threads on both sides. Not run by CI; results go to docs/benchmarks.md.
#
# Usage (from anywhere): treelora-examples/scripts/bench-djl-vs-python.sh
# Environment: REPEATS (default 2), PYTHON (default: the project's oracle environment .venv-oracle, PyTorch 2.13
#   from the wheel mirror; create it as docs/user-guide.md section 7 says), THREADS (default 2), SKIP_BUILD=1.
#
# Configurations (ViT-S/16-like: width 384, 6 heads, MLP 1536, 6 layers, LoRA r 8, alpha 16):
#   32px-p4   image 32,  patch 4  -> 64 patches + cls = 65 tokens (a CIFAR-sized ViT), batch 16
#   32px-p16  image 32,  patch 16 ->  4 patches + cls =  5 tokens (per-op overhead dominates), batch 16
#   224px-p16 image 224, patch 16 -> 196 patches + cls = 197 tokens (ViT-S/16 resolution), batch 8 (batch 16
#             took too long on the shared 2-core machine)
# Warm-up: at least 25 steps on the DJL side (the JIT compiler competes with OpenMP on 2 cores).
# Each repeat runs DJL then Python for one configuration before the next, so that load from other processes
# on the machine hits both alike; the table reports the median over repeats of each run's median step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPEATS="${REPEATS:-2}"
PYTHON="${PYTHON:-$ROOT/.venv-oracle/bin/python}"
if [[ ! -x "$PYTHON" ]]; then
  echo "no Python at $PYTHON: create the oracle environment (docs/user-guide.md, section 7) or set PYTHON" >&2
  exit 1
fi
THREADS="${THREADS:-2}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# name | image patch batch | warm-up steps | timed steps
CONFIGS=(
  "32px-p4   32 4   16 25 15"
  "32px-p16  32 16  16 30 30"
  "224px-p16 224 16 8  25 10"
)
COMMON=(--channels 3 --hidden 384 --layers 6 --heads 6 --mlp 1536 --rank 8 --threads "$THREADS")

cd "$ROOT"
if [[ "${SKIP_BUILD:-0}" != 1 || ! -s "$ROOT/treelora-examples/target/bench-classpath.txt" ]]; then
  # Reactor build (no install); the classpath then points at the modules' target/ jars.
  mvn -B -q -pl treelora-examples -am -DskipTests package dependency:build-classpath \
      -Dmdep.outputFile="$ROOT/treelora-examples/target/bench-classpath.txt"
fi
CP="$ROOT/treelora-examples/target/treelora-examples-0.1.0-SNAPSHOT.jar:$(cat "$ROOT/treelora-examples/target/bench-classpath.txt")"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), java $(java -version 2>&1 | head -1)"
echo "python: $("$PYTHON" -c 'import torch; print("torch", torch.__version__, "| BLAS", torch.backends.mkl.is_available() and "MKL" or "other", "| oneDNN", torch.backends.mkldnn.is_available())')"

json_field() { # file key -> value of the last JSON line's key
  "$PYTHON" -c 'import json,sys; print(json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])[sys.argv[2]])' "$1" "$2"
}

for cfg in "${CONFIGS[@]}"; do
  read -r name image patch batch warmup steps <<<"$cfg"
  args=(--image "$image" --patch "$patch" --batch "$batch" --warmup "$warmup" --steps "$steps" "${COMMON[@]}")
  for r in $(seq 1 "$REPEATS"); do
    echo "== $name repeat $r, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    OMP_NUM_THREADS="$THREADS" java -Xmx4g -Dai.djl.offline=true -cp "$CP" \
        io.github.treelora.examples.TreeLoraCli bench-step "${args[@]}" 2>&1 | grep -v ' WARN ' | tee "$OUT/$name.djl.$r" | tail -2
    OMP_NUM_THREADS="$THREADS" "$PYTHON" "$ROOT/treelora-examples/scripts/bench_lora_vit_step.py" "${args[@]}" \
        | tee "$OUT/$name.py.$r" | sed -n 2p
    td="$(json_field "$OUT/$name.djl.$r" trainable)"; tp="$(json_field "$OUT/$name.py.$r" trainable)"
    if [[ "$td" != "$tp" ]]; then
      echo "trainable parameter counts differ: DJL $td, Python $tp" >&2; exit 1
    fi
    json_field "$OUT/$name.djl.$r" median_ms >>"$OUT/$name.djl"
    json_field "$OUT/$name.py.$r" median_ms >>"$OUT/$name.py"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
printf '%-10s %6s %14s %14s %8s   %s\n' config batch "DJL ms" "Python ms" ratio "runs (DJL | Python)"
for cfg in "${CONFIGS[@]}"; do
  read -r name _ _ batch _ <<<"$cfg"
  "$PYTHON" - "$name $batch" "$OUT/$name.djl" "$OUT/$name.py" <<'EOF'
import statistics, sys
label, fd, fp = sys.argv[1:]
name, batch = label.split()
d = [float(x) for x in open(fd)]
p = [float(x) for x in open(fp)]
md, mp = statistics.median(d), statistics.median(p)
print(f"{name:<10} {batch:>6} {md:14.1f} {mp:14.1f} {md / mp:8.2f}   {' '.join(f'{x:.1f}' for x in d)} | {' '.join(f'{x:.1f}' for x in p)}")
EOF
done
