#!/usr/bin/env bash
# bench-model-compare: rltrain's model benchmarks (`rltrain bench train`,
# `rltrain bench generate`) beside the same configurations in PyTorch
# (bench/torch/bench_llama.py, Debian's python3-torch on the OpenMP OpenBLAS)
# and, for batch-1 generation, a plain C inference loop (bench/c/gen.c, built
# with -Ofast -march=native -fopenmp). Interleaved measurement by measurement
# (ours, PyTorch, C per configuration, thread count and round) so all see the
# same machine load; every measurement is a fresh process (its own peak RSS);
# each number is the median over ROUNDS rounds. Prints one table with the
# ratios against the issue's goals: training ≥ 2× PyTorch, generation batch 16
# ≥ 3× (S) / ≥ 2× (M) PyTorch, batch 1 ≥ 1.5× C, peak RSS ≤ 1.5× the estimate
# from the config.
#
# Installs nothing (scripts/install-deps.sh does: `make deps`). Needs
# /usr/bin/python3 with torch, the OpenMP OpenBLAS
# (/usr/lib/x86_64-linux-gnu/openblas-openmp, package libopenblas0-openmp),
# gcc with OpenMP (libgomp). PyTorch links libblas.so.3 through the Debian
# alternative, which may point at the pthread OpenBLAS (slower at 2 threads
# here) or the reference BLAS (≈20× slower); this script puts the OpenMP
# build first on LD_LIBRARY_PATH for the PyTorch runs and prints the library
# actually mapped.
#
# Environment: ROUNDS (default 3), THREADS ("1 2"), CONFIGS ("S M"),
# MIN_TIME (seconds per measurement, default 2), OUT (directory for the raw
# TSV; default a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2"}
CONFIGS=${CONFIGS:-"S M"}
MIN_TIME=${MIN_TIME:-2}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
PY=/usr/bin/python3
OMPBLAS=/usr/lib/x86_64-linux-gnu/openblas-openmp

fail() { echo "bench-model-compare: $*" >&2; exit 1; }
[ -x "$PY" ] || fail "$PY missing (Debian's python3): run 'make deps'"
"$PY" -c 'import torch' 2>/dev/null || fail "python3-torch missing: run 'make deps'"
[ -e "$OMPBLAS/libblas.so.3" ] || fail "OpenMP OpenBLAS missing ($OMPBLAS): run 'make deps' (libopenblas0-openmp)"
command -v gcc >/dev/null || fail "gcc missing: apt-get install gcc"
echo 'int main(void){return 0;}' > "$OUT/omp_check.c"
gcc -fopenmp -o "$OUT/omp_check" "$OUT/omp_check.c" 2>/dev/null || fail "gcc cannot link OpenMP (libgomp): apt-get install libgomp1 gcc"

go build -o "$OUT/rltrain" ./cmd/rltrain
make -s -C bench/c
cp bench/c/gen "$OUT/gen"

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== libblas.so.3 alternative (system default; PyTorch runs override it with LD_LIBRARY_PATH=$OMPBLAS):"
update-alternatives --display libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed 's/^/   /' || echo "   (update-alternatives unavailable)"
echo "== PyTorch as run here:"
LD_LIBRARY_PATH=$OMPBLAS OMP_NUM_THREADS=1 "$PY" bench/torch/bench_llama.py info | sed 's/^# /   /'
echo "== C peer: gcc $(gcc -dumpfullversion) -Ofast -march=native -fopenmp"
# The yardsticks: one core's measured FMA peak and read bandwidth.
"$OUT/rltrain" bench kernels -format tsv -shapes 1x16x16 -threads 1 -min-time 1ms -batches 1 | grep '^#' > "$OUT/calib.txt"
echo "== $(sed 's/^# //' "$OUT/calib.txt")"

torch_run() { # kind config threads batch
  LD_LIBRARY_PATH=$OMPBLAS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} OMP_NUM_THREADS=$3 OPENBLAS_NUM_THREADS=$3 \
    "$PY" bench/torch/bench_llama.py "$1" "$2" "$3" "$4" --min-time "$MIN_TIME"
}

: > "$OUT/ours.tsv"; : > "$OUT/torch.tsv"; : > "$OUT/c.tsv"
for r in $(seq 1 "$ROUNDS"); do
  for cfg in $CONFIGS; do
    for t in $THREADS; do
      "$OUT/rltrain" bench train -format tsv -configs "$cfg" -threads "$t" -min-time "${MIN_TIME}s" | grep '^train' >> "$OUT/ours.tsv"
      torch_run train "$cfg" "$t" 0 | tee -a "$OUT/torch.log" | grep '^train' >> "$OUT/torch.tsv"
      for b in 16 1; do
        "$OUT/rltrain" bench generate -format tsv -configs "$cfg" -threads "$t" -batches "$b" -min-time "${MIN_TIME}s" | grep '^generate' >> "$OUT/ours.tsv"
        torch_run generate "$cfg" "$t" "$b" | tee -a "$OUT/torch.log" | grep '^generate' >> "$OUT/torch.tsv"
      done
      OMP_NUM_THREADS=$t "$OUT/gen" "$cfg" "$t" 32 128 "$MIN_TIME" 2 | grep '^generate' >> "$OUT/c.tsv"
    done
  done
  echo "bench-model-compare: round $r/$ROUNDS done (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done
grep -m1 'blas=' "$OUT/torch.log" | sed 's/^# /== PyTorch measurement process: /' || true

"$PY" - "$OUT" <<'EOF'
import statistics, sys
out = sys.argv[1]
def load(name):
    d = {}
    for line in open(f"{out}/{name}"):
        f = line.rstrip("\n").split("\t")
        if len(f) < 8 or f[0] not in ("train", "generate"):
            continue
        key = (f[0], f[1], int(f[2]), int(f[3]))
        rate = float(f[8]) + float(f[9]) if len(f) >= 10 else 0.0  # ours: GFLOP/s (train) or weight GB/s (generate)
        d.setdefault(key, []).append((float(f[5]), float(f[6]), float(f[7]), int(f[4]), rate))
    return {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
                statistics.median(x[2] for x in v), v[0][3], len(v), statistics.median(x[4] for x in v)) for k, v in d.items()}
calib = dict(kv.split("=", 1) for kv in open(f"{out}/calib.txt").read().replace("#", "").split() if "=" in kv)
peak, bw = float(calib["peak_gflops_per_core"]), float(calib["read_gbs"])
ours, torch, c = load("ours.tsv"), load("torch.tsv"), load("c.tsv")
def goal(kind, cfg, batch):
    if kind == "train":
        return "torch", 2.0
    if batch == 1:
        return "C", 1.5
    return "torch", 3.0 if cfg == "S" else 2.0
print()
print(f"{'bench':9} {'cfg':3} {'thr':>3} {'shape':>8} {'ours tok/s':>11} {'torch':>9} {'C':>9} {'/torch':>7} {'/C':>6} {'goal':>12}"
      f" {'RSS MB':>7} {'est MB':>7} {'RSS/est':>7} {'torch RSS':>9} {'C RSS':>6} {'n':>2}")
order = {"train": 0, "generate": 1}
cfgs = {"S": 0, "M": 1}
for k in sorted(ours, key=lambda k: (order[k[0]], cfgs.get(k[1], 2), -k[3], k[2])):
    kind, cfg, thr, batch = k
    o, orss, oexp, seq, n, rate = ours[k]
    t = torch.get(k)
    cc = c.get(k) if kind == "generate" and batch == 1 else None
    vs, want = goal(kind, cfg, batch)
    ratio_t = o / t[0] if t else float("nan")
    ratio_c = o / cc[0] if cc else float("nan")
    got = ratio_c if vs == "C" else ratio_t
    verdict = ("ok" if got >= want else "MISS") if got == got else "n/a"
    rss_ratio = orss / oexp if oexp > 0 else float("nan")
    rss_flag = "" if rss_ratio <= 1.5 else "!"
    name = "train" if kind == "train" else f"gen b{batch}"
    print(f"{name:9} {cfg:3} {thr:3d} {f'{batch}x{seq}':>8} {o:11.1f} {t[0] if t else float('nan'):9.1f} "
          f"{cc[0] if cc else float('nan'):9.1f} {ratio_t:7.2f} {ratio_c:6.2f} {f'≥{want}× {vs} {verdict}':>12} "
          f"{orss:7.1f} {oexp:7.1f} {rss_ratio:6.2f}{rss_flag:1} {t[1] if t else float('nan'):9.1f} "
          f"{cc[1] if cc else float('nan'):6.1f} {n:2d}")
print()
print(f"What the goals ask of the machine (measured peak {peak:.1f} GFLOP/s and read bandwidth {bw:.1f} GB/s per core;")
print("model FLOPs = matrix products only, causal attention counted exactly; weight traffic = every matmul weight once per decode step):")
print(f"{'bench':9} {'cfg':3} {'thr':>3} {'ours':>14} {'% of peak':>9} {'goal needs':>14} {'% of peak':>9}")
for k in sorted(ours, key=lambda k: (order[k[0]], cfgs.get(k[1], 2), -k[3], k[2])):
    kind, cfg, thr, batch = k
    o, _, _, _, _, rate = ours[k]
    if rate <= 0 or not (kind == "train" or batch == 1):
        continue
    vs, want = goal(kind, cfg, batch)
    peer = torch.get(k) if vs == "torch" else c.get(k)
    if not peer:
        continue
    need = want * peer[0] * rate / o  # the rate at want × the peer's tok/s
    if kind == "train":
        cap, unit = thr * peak, "GFLOP/s"
    else:
        cap, unit = bw, "GB/s"  # one core's bandwidth: 2 cores share the memory system
    name = "train" if kind == "train" else f"gen b{batch}"
    print(f"{name:9} {cfg:3} {thr:3d} {rate:7.1f} {unit:>6} {100*rate/cap:8.0f}% {need:7.1f} {unit:>6} {100*need/cap:8.0f}%")
print("(train: % of threads × the one-core FMA peak; gen b1: % of one core's read bandwidth from memory, which 2 threads")
print(" can exceed only as far as the memory system allows, and a model whose weights fit in L3 can exceed outright.)")
print()
print("tok/s: medians over rounds; train counts batch×seq tokens per step (fwd+bwd+clip+AdamW),")
print("generation counts new tokens (random prompts of 32 tokens, prefill timed, T=1 sampling, no stop).")
print("RSS/est: our peak RSS over params+grads+2 Adam moments+activations (train) or weights+packed copy+KV cache+scratch (generate); goal ≤ 1.5 ('!' marks a miss).")
print("PyTorch RSS includes the ≈230 MB of the torch import.")
EOF
echo "raw results in $OUT" >&2
