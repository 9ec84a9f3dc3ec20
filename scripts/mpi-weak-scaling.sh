#!/usr/bin/env bash
# mpi-weak-scaling.sh: weak scaling on this machine — completions per second
# of 2 ranks × 1 thread (16 prompts per step, 8 per rank) against 1 rank × 1
# thread (8 prompts per step), same per-rank batch, interleaved REPS times
# (default 3) because other work shares the CPU; medians are quoted. From the
# 2-rank runs' dist/ metrics it splits a step into compute, communication
# (dist/allreduce_s: the gradient all-reduce, every rank present) and idle
# time in the barrier before it (dist/wait_s: ranks waiting for the slowest).
# EXTRA (optional) is passed to both runs, e.g. EXTRA="--max-batch 4";
# EXTRA="--lr 1e-12" freezes the policy, so both runs sample from the same
# model and the completion lengths (the work) do not drift apart.
# UNBALANCED=1 adds a third arm per repetition, 2 ranks with
# --balance-batch=false, to show what re-dealing the rows buys.
# WRAP (optional) prefixes every rank's and the one process's command, e.g.
# WRAP="setsid -w": with the kernel's autogroup scheduling (on by default)
# the processes of one session share one fair share of a busy machine, so
# on a machine shared with other work the ranks of one mpirun get together
# the CPU one process would; a session per rank gives each its own share,
# as each would have its own core on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
MPIRUN=${MPIRUN:-mpirun}
MPIRUN_FLAGS=${MPIRUN_FLAGS:---allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1}
REPS=${REPS:-3}
STEPS=${STEPS:-6}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT; echo "work dir $work"
go build -o "$work/rl-1" ./cmd/rltrain
go build -tags mpi -o "$work/rl-mpi" ./cmd/rltrain
# shellcheck disable=SC2206
args=(--algo grpo --task arithmetic --train-n 800 --sft-steps 150 --steps "$STEPS" --max-completion-length 64
      --eval-n 2 --eval-k 1 --threads 1 --cache "$work/cache" ${EXTRA:-})
"$work/rl-1" "${args[@]}" --steps 1 --prompts-per-step 8 --out "$work/warm" > /dev/null 2>&1  # builds the cached warm start
for rep in $(seq 1 "$REPS"); do
  ${WRAP:-} "$work/rl-1" "${args[@]}" --prompts-per-step 8 --out "$work/one-$rep" > "$work/one-$rep.log" 2>&1
  # shellcheck disable=SC2086
  $MPIRUN $MPIRUN_FLAGS -np 2 ${WRAP:-} "$work/rl-mpi" "${args[@]}" --prompts-per-step 16 --out "$work/two-$rep" > "$work/two-$rep.log" 2>&1
  if [ -n "${UNBALANCED:-}" ]; then
    # shellcheck disable=SC2086
    $MPIRUN $MPIRUN_FLAGS -np 2 ${WRAP:-} "$work/rl-mpi" "${args[@]}" --prompts-per-step 16 --balance-batch=false --out "$work/twou-$rep" > "$work/twou-$rep.log" 2>&1
  fi
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$REPS" "${UNBALANCED:-}" <<'PY'
import json, os, statistics as st, sys
work, reps, unbal = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rows(d):
    return [json.loads(l) for l in open(f"{work}/{d}/metrics.jsonl")][1:]  # step 1 allocates buffers
def step_s(r):
    return r["rollout_s"] + r["score_s"] + r["train_s"]
one, two, twou = [], [], []
for k in range(1, reps + 1):
    a, b = rows(f"one-{k}"), rows(f"two-{k}")
    one.append(64 / st.median(step_s(r) for r in a))
    two.append(128 / st.median(step_s(r) for r in b))
    comm = st.median(r["dist/allreduce_s"] for r in b)
    wait = st.median(r["dist/wait_s"] for r in b)
    step = st.median(step_s(r) for r in b)
    imb = st.median(r["dist/busy_max_s"] / r["dist/busy_min_s"] for r in b)
    len1 = st.median(r["completions/mean_length"] for r in a)
    len2 = st.median(r["completions/mean_length"] for r in b)
    print(f"rep {k}: 1 rank {one[-1]:6.1f} compl/s (step {st.median(step_s(r) for r in a):.2f} s, mean len {len1:.1f})  "
          f"2 ranks {two[-1]:6.1f} compl/s (step {step:.2f} s, mean len {len2:.1f})  x{two[-1]/one[-1]:.2f}  "
          f"comm {1e3*comm:.1f} ms ({100*comm/step:.1f}%)  wait {1e3*wait:.1f} ms ({100*wait/step:.1f}%)  busy max/min {imb:.2f}")
    if unbal:
        u = rows(f"twou-{k}")
        twou.append(128 / st.median(step_s(r) for r in u))
        print(f"       unbalanced 2 ranks {twou[-1]:6.1f} compl/s  x{twou[-1]/one[-1]:.2f}  "
              f"wait {1e3*st.median(r['dist/wait_s'] for r in u):.1f} ms  busy max/min {st.median(r['dist/busy_max_s'] / r['dist/busy_min_s'] for r in u):.2f}")
print(f"median: 1 rank {st.median(one):.1f} compl/s, 2 ranks {st.median(two):.1f} compl/s, speed-up x{st.median(two)/st.median(one):.2f} "
      f"(per-rep ratios: {', '.join(f'{b/a:.2f}' for a, b in zip(one, two))})")
if unbal:
    print(f"unbalanced: 2 ranks {st.median(twou):.1f} compl/s, speed-up x{st.median(twou)/st.median(one):.2f} "
          f"(per-rep ratios: {', '.join(f'{b/a:.2f}' for a, b in zip(one, twou))})")
PY
