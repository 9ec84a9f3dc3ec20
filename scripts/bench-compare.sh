#!/usr/bin/env bash
# bench-compare: rltrain's SGEMM against OpenBLAS (Debian's libopenblas,
# cblas_sgemm) on the same shapes, layouts and thread counts, interleaved
# shape by shape (ours, then OpenBLAS, per round) so both see the same
# machine load. Prints ours/OpenBLAS per shape, the geometric mean per thread
# count, and % of the measured FMA peak; each number is the median over
# ROUNDS rounds of the best-of-BATCHES timing.
#
# Environment: ROUNDS (default 3), THREADS ("1 2"), LAYOUTS (NN,NT),
# MIN_MS (200, per timing batch), BATCHES (3), SHAPES (the issue's list, or
# "model" for the training-step products of the default model, which also
# makes LAYOUTS default to NN,NT,TN), OUT (directory for the raw TSV;
# default a temp dir), CLOCK (wall, the default, or thread: single-thread
# timings and the FMA peak use each side's thread CPU time, so that other
# CPU-bound work sharing the cores does not count; 2-thread timings stay on
# the wall clock).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2"}
if [ "${SHAPES:-}" = model ]; then
  # Default model (hidden 128, SwiGLU 352, QKV 384, gate+up 704) at 2048
  # packed tokens and at 256: forward x·Wᵀ and input gradients at M = tokens,
  # weight gradients (TN) at K = tokens.
  SHAPES=2048x384x128,2048x128x128,2048x704x128,2048x128x352,2048x128x384,2048x352x128,256x384x128,384x128x2048,128x128x2048,704x128x2048,128x352x2048
  LAYOUTS=${LAYOUTS:-NN,NT,TN}
fi
LAYOUTS=${LAYOUTS:-NN,NT}
MIN_MS=${MIN_MS:-200}
BATCHES=${BATCHES:-3}
SHAPES=${SHAPES:-64x256x256,256x256x256,512x512x512,1024x1024x1024,2048x2048x2048,512x1024x256,512x256x1024,512x3072x768,512x768x3072,16x2048x512,1x2048x512}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
PY=/usr/bin/python3
CLOCK=${CLOCK:-wall}
export RLTRAIN_BENCH_CLOCK=$CLOCK SGEMM_CLOCK=$CLOCK

if [ ! -f /usr/include/x86_64-linux-gnu/cblas.h ] && [ ! -f /usr/include/cblas.h ]; then
  echo "bench-compare: OpenBLAS headers missing: run 'make deps' (installs libopenblas-dev)" >&2
  exit 1
fi
[ -x "$PY" ] || { echo "bench-compare: $PY missing (Debian's python3, for the table)" >&2; exit 1; }

go build -o "$OUT/rltrain" ./cmd/rltrain
make -s -C bench/openblas
cp bench/openblas/sgemm_bench "$OUT/"

# Calibrate once: measured FMA peak (GFLOP/s per core) and read bandwidth.
"$OUT/rltrain" bench kernels -format tsv -shapes 1x16x16 -threads 1 -min-time 1ms -batches 1 > "$OUT/calib.tsv"
grep '^#' "$OUT/calib.tsv" > "$OUT/calib.txt"
cat "$OUT/calib.txt"

: > "$OUT/ours.tsv"
: > "$OUT/openblas.tsv"
for r in $(seq 1 "$ROUNDS"); do
  for s in ${SHAPES//,/ }; do
    for t in $THREADS; do
      "$OUT/rltrain" bench kernels -format tsv -calibrate=false -shapes "$s" -threads "$t" \
        -layouts "$LAYOUTS" -min-time "${MIN_MS}ms" -batches "$BATCHES" | grep -v '^#' | grep -v '^layout' >> "$OUT/ours.tsv"
      "$OUT/sgemm_bench" "$t" "$MIN_MS" "$BATCHES" "$LAYOUTS" "$s" | grep -v '^#' | grep -v '^layout' >> "$OUT/openblas.tsv"
    done
  done
  echo "bench-compare: round $r/$ROUNDS done" >&2
done

"$PY" - "$OUT" "$CLOCK" <<'EOF'
import math, re, statistics, sys
out = sys.argv[1]
clock = sys.argv[2]
calib = open(f"{out}/calib.txt").read()
peak = float(re.search(r"peak_gflops_per_core=([0-9.]+)", calib).group(1))
bw = float(re.search(r"read_gbs=([0-9.]+)", calib).group(1))
def load(name):
    d = {}
    for line in open(f"{out}/{name}"):
        f = line.split()
        if len(f) != 7:
            continue
        key = (f[0], int(f[1]), int(f[2]), int(f[3]), int(f[4]))
        d.setdefault(key, []).append((float(f[5]), float(f[6])))
    return {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in d.items()}
ours, obl = load("ours.tsv"), load("openblas.tsv")
print(f"measured FMA peak {peak:.1f} GFLOP/s per core, read bandwidth {bw:.1f} GB/s (one core); clock {clock} (1 thread)")
print(f"{'layout':6} {'M×N×K':16} {'thr':>3} {'ours GF/s':>10} {'OpenBLAS':>10} {'ratio':>7} {'%peak':>7} {'ours GB/s':>10}")
for t in sorted({k[4] for k in ours}):
    logs = []
    worst = None
    for k in sorted((k for k in ours if k[4] == t), key=lambda k: (k[1]*k[2]*k[3] if k[1] > 16 else 0, k[0])):
        if k not in obl:
            continue
        g, gb = ours[k]
        o = obl[k][0]
        ratio = g / o
        logs.append(math.log(ratio))
        worst = ratio if worst is None else min(worst, ratio)
        dec = f"{gb:10.1f}" if k[1] <= 16 else ""
        print(f"{k[0]:6} {f'{k[1]}x{k[2]}x{k[3]}':16} {t:3d} {g:10.1f} {o:10.1f} {ratio:7.2f} {100*g/(peak*t):6.1f}% {dec}")
    if logs:
        print(f"threads={t}: geomean ours/OpenBLAS = {math.exp(sum(logs)/len(logs)):.2f} over {len(logs)} (worst {worst:.2f})")
        print()
EOF
echo "raw results in $OUT" >&2
