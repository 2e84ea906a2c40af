#!/usr/bin/env bash
# DJL vs PyTorch 2.13 eager: the LoRA training step of a real-size LLM (forward, backward, Adam on LoRA q/v), same
# random BF16 checkpoint, same token ids, same threads. Not run by CI; results go to docs/benchmarks.md.
#
# Usage (from anywhere): treelora-examples/scripts/bench-llm-djl-vs-python.sh SHAPE [BATCH ...]
#   SHAPE: qwen2.5-0.5b, llama-3.2-1b, llama-3-8b or tiny; BATCH: batch sizes (default 1 4), each of SEQ tokens.
# Environment: WORK (default ./bench-llm-work: checkpoints, built by bench-llm on first use, and results),
#   REPEATS (default 3: JVM/Python runs per batch size, alternating DJL and PyTorch), STEPS (default 3: timed
#   steps per run), WARMUP (default 1), SEQ (default 256), THREADS (default 2), STORAGE (default float32),
#   PYTHON (default: the project's oracle environment .venv-oracle), JAVA_OPTS (default -Xmx2g), SKIP_BUILD=1.
#
# Each repeat runs DJL (one JVM: load + steps) and then Python for one batch size, so that load from other
# processes hits both alike. Reported: the median over repeats of each run's median step, their ratio (DJL /
# PyTorch), the per-repeat ratios, the peak RSS (VmHWM) of the step phase and of the whole process (medians), and
# both sides' first loss (the same ids on the same weights: they must agree to float32 rounding).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHAPE="${1:?usage: $0 SHAPE [BATCH ...]}"
shift
BATCHES=("${@:-}")
if [[ -z "${BATCHES[0]}" ]]; then BATCHES=(1 4); fi
WORK="${WORK:-$PWD/bench-llm-work}"
REPEATS="${REPEATS:-3}"
STEPS="${STEPS:-3}"
WARMUP="${WARMUP:-1}"
SEQ="${SEQ:-256}"
THREADS="${THREADS:-2}"
STORAGE="${STORAGE:-float32}"
PYTHON="${PYTHON:-$ROOT/.venv-oracle/bin/python}"
read -r -a JOPTS <<<"${JAVA_OPTS:--Xmx2g}"
if [[ ! -x "$PYTHON" ]]; then
  echo "no Python at $PYTHON: create the oracle environment (docs/user-guide.md, section 7) or set PYTHON" >&2
  exit 1
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

cd "$ROOT"
if [[ "${SKIP_BUILD:-0}" != 1 || ! -s "$ROOT/treelora-examples/target/bench-classpath.txt" ]]; then
  mvn -B -q -pl treelora-examples -am -DskipTests package dependency:build-classpath \
      -Dmdep.outputFile="$ROOT/treelora-examples/target/bench-classpath.txt"
fi
CP="$ROOT/treelora-examples/target/treelora-examples-0.1.0-SNAPSHOT.jar:$(cat "$ROOT/treelora-examples/target/bench-classpath.txt")"
djl() {
  OMP_NUM_THREADS="$THREADS" java "${JOPTS[@]}" -Dai.djl.offline=true -cp "$CP" io.github.treelora.examples.TreeLoraCli \
      bench-llm --shape "$SHAPE" --work "$WORK" --storage "$STORAGE" --seq "$SEQ" --threads "$THREADS" "$@" 2>&1 \
      | grep -v ' WARN '
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB, java $(java -version 2>&1 | head -1)"
# Builds the checkpoint when absent (or refuses a damaged one) before anything is timed.
djl --repeats 0 --out "$OUT/build.json" | head -3
CKPT="$WORK/$SHAPE"

for b in "${BATCHES[@]}"; do
  for r in $(seq 1 "$REPEATS"); do
    echo "== $SHAPE batch $b x $SEQ, repeat $r, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    djl --batch "$b" --warmup "$WARMUP" --repeats "$STEPS" --no-hook --out "$OUT/djl.$b.$r.json" | sed -n '/^batch/,/^[0-9]/p' | tail -1
    OMP_NUM_THREADS="$THREADS" "$PYTHON" "$ROOT/treelora-examples/scripts/bench_llm_step.py" --checkpoint "$CKPT" \
        --batch "$b" --seq "$SEQ" --warmup "$WARMUP" --repeats "$STEPS" --threads "$THREADS" 2>/dev/null \
        | tee "$OUT/py.$b.$r.log" | sed -n '/^batch/{n;p}'
    grep '^{' "$OUT/py.$b.$r.log" | tail -1 >"$OUT/py.$b.$r.json"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$PYTHON" - "$OUT" "$REPEATS" "$SHAPE" "$STORAGE" "${BATCHES[@]}" <<'EOF'
import json, statistics, sys
out, repeats, shape, storage, *batches = sys.argv[1:]
med = statistics.median
print(f"{shape}, DJL storage {storage}, PyTorch float32; medians over {repeats} repeats")
print(f"{'batch':<8} {'DJL s':>8} {'PyTorch s':>10} {'ratio':>6} {'per-repeat ratios':<22} {'step peak RSS GB DJL/PyT':>25}"
      f" {'process peak GB DJL/PyT':>24} {'load GB/s DJL/PyT':>18}  first loss DJL/PyT")
for b in batches:
    d = [json.load(open(f"{out}/djl.{b}.{r}.json")) for r in range(1, int(repeats) + 1)]
    p = [json.load(open(f"{out}/py.{b}.{r}.json")) for r in range(1, int(repeats) + 1)]
    ds = [x["steps"][0]["median_s"] for x in d]
    ps = [x["steps"][0]["median_s"] for x in p]
    ratios = " ".join(f"{x / y:.2f}" for x, y in zip(ds, ps))
    rss = lambda runs, key: med([x["steps"][0][key] if key != "process" else x["peak_rss_bytes"] for x in runs]) / 1e9
    gbs = lambda runs: med([x["load"]["gb_per_s"] for x in runs])
    print(f"{b}x{d[0]['steps'][0]['seq']:<6} {med(ds):8.3f} {med(ps):10.3f} {med(ds) / med(ps):6.2f} {ratios:<22}"
          f" {rss(d, 'peak_rss_bytes'):12.2f} / {rss(p, 'peak_rss_bytes'):<10.2f}"
          f" {rss(d, 'process'):11.2f} / {rss(p, 'process'):<10.2f} {gbs(d):8.2f} / {gbs(p):<7.2f}"
          f"  {d[0]['steps'][0]['first_loss']:.4f} / {p[0]['steps'][0]['first_loss']:.4f}")
    print(f"   runs DJL: {' '.join(f'{x:.3f}' for x in ds)} | PyTorch: {' '.join(f'{x:.3f}' for x in ps)};"
          f" load average before DJL runs: {', '.join(x['machine']['load_average_before'] for x in d)}")
print(f"PyTorch {p[0]['torch']}, transformers {p[0]['transformers']}, peft {p[0]['peft']}, BLAS {p[0]['blas']}")
EOF
