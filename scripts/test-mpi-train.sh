#!/usr/bin/env bash
# test-mpi-train.sh: a short seeded training run of several presets in one
# process and under `mpirun -np 2` with the same global batch. The ranks
# sample from the streams of the rows' global indices, so the rewards must
# match exactly; losses and gradient norms must match up to the order of
# floating-point sums; and the ranks must end with bitwise identical weights.
# Ends with "mpi-train: N passed, M failed"; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
MPIRUN=${MPIRUN:-mpirun}
MPIRUN_FLAGS=${MPIRUN_FLAGS:---allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT; echo "work dir $work"
go build -o "$work/rl-1" ./cmd/rltrain
go build -tags mpi -o "$work/rl-mpi" ./cmd/rltrain
pass=0 fail=0
# grpo-kl: β > 0 with the KL in the loss, so the rows are re-dealt across
# the ranks (--balance-batch) and the reference scored after they move.
for algo in grpo ppo nft grpo-kl; do
  pps=4 extra=()
  [ "$algo" = ppo ] && pps=16
  [ "$algo" = grpo-kl ] && extra=(--beta 0.04)
  args=(--algo "${algo%-kl}" --task arithmetic --train-n 800 --sft-steps 150 --steps 4 --prompts-per-step "$pps"
        --eval-n 8 --eval-k 2 --threads 1 --reward accuracy:1,format:0.1 --cache "$work/cache" "${extra[@]}")
  "$work/rl-1" "${args[@]}" --out "$work/$algo-1" > "$work/$algo-1.log" 2>&1
  # shellcheck disable=SC2086
  timeout 600 $MPIRUN $MPIRUN_FLAGS -np 2 "$work/rl-mpi" "${args[@]}" --out "$work/$algo-2" > "$work/$algo-2.log" 2>&1 ||
    { echo "FAIL  $algo: mpirun exited $?"; tail -20 "$work/$algo-2.log"; fail=$((fail+1)); continue; }
  if ! grep -q "weights identical on all 2 ranks" "$work/$algo-2.log"; then
    echo "FAIL  $algo: no identical-weights line"; tail -5 "$work/$algo-2.log"; fail=$((fail+1)); continue
  fi
  if python3 - "$work/$algo-1/metrics.jsonl" "$work/$algo-2/metrics.jsonl" <<'PY'
import json, math, sys
one = [json.loads(l) for l in open(sys.argv[1])]
two = [json.loads(l) for l in open(sys.argv[2])]
assert len(one) == len(two) == 4, (len(one), len(two))
bad = []
for a, b in zip(one, two):
    for k in ("reward", "accuracy", "completions/mean_length", "rewards/format/mean"):
        if a.get(k) != b.get(k):
            bad.append(f"step {a['step']} {k}: {a.get(k)} vs {b.get(k)} (sampling must not depend on the split)")
    for k, tol in (("grad_norm", 1e-4), ("entropy", 1e-4), ("kl", 1e-3), ("value_loss", 1e-3)):
        if k in a and not math.isclose(a[k], b[k], rel_tol=tol, abs_tol=1e-9):
            bad.append(f"step {a['step']} {k}: {a[k]} vs {b[k]}")
    if "loss" in a and not math.isclose(a["loss"], b["loss"], rel_tol=1e-3, abs_tol=1e-6):
        bad.append(f"step {a['step']} loss: {a['loss']} vs {b['loss']}")
print("\n".join(bad) or "curves match")
sys.exit(1 if bad else 0)
PY
  then echo "ok    $algo: 1 process and 2 ranks give the same curve, identical weights"; pass=$((pass+1))
  else echo "FAIL  $algo"; fail=$((fail+1)); fi
done
echo "mpi-train: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
