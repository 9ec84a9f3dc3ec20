#!/usr/bin/env bash
# Measures what a reward program costs a training step on the built-in task:
# short default `rltrain` runs (countdown, 16 prompts x 8 samples, the cached
# warm start) rewarded by the built-in countdown reward and by
# examples/reward_countdown.py, interleaved so that load from other work on
# the machine hits both alike, then the medians over every logged step of
# score_s (the scoring time of a step) and of the step time
# (rollout_s + score_s + train_s), and the program's extra scoring time as a
# fraction of the built-in run's step. With the same seed the two runs'
# reward curves must be equal, step for step: it prints how many steps are.
#
#   scripts/bench_reward_program.sh [pairs=3] [steps=30]
#
# The first run builds the default warm start if it is not cached (~3 min).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
steps=${2:-30}
bin=$(mktemp -d)/rltrain
go build -o "$bin" ./cmd/rltrain
out=$(mktemp -d)
for i in $(seq "$pairs"); do
  for kind in builtin program; do
    args=(--steps "$steps" --eval-k 1 --seed "$i" --out "$out/$kind-$i" --overwrite)
    if [ "$kind" = program ]; then
      args+=(--reward-cmd "countdown_py=python3 examples/reward_countdown.py" --reward countdown_py:1)
    else
      args+=(--reward countdown:1)
    fi
    "$bin" "${args[@]}" > "$out/$kind-$i.log" 2>&1 || { tail -20 "$out/$kind-$i.log"; exit 1; }
    echo "run $kind $i done"
  done
done
python3 - "$out" "$pairs" <<'PY'
import json, statistics, sys
out, pairs = sys.argv[1], int(sys.argv[2])
def steps(kind):
    rows = []
    for i in range(1, pairs + 1):
        with open(f"{out}/{kind}-{i}/metrics.jsonl") as f:
            rows += [json.loads(l) for l in f]
    return rows
res = {}
for kind in ("builtin", "program"):
    rows = steps(kind)
    score = statistics.median(r["score_s"] for r in rows)
    step = statistics.median(r["rollout_s"] + r["score_s"] + r["train_s"] for r in rows if "train_s" in r)
    reward = statistics.mean(r["reward"] for r in rows)
    res[kind] = (score, step)
    print(f"{kind:8s} steps {len(rows):4d}  median score_s {score*1e3:8.2f} ms  median step {step:6.3f} s  mean reward {reward:.4f}")
for i in range(1, pairs + 1):
    curves = []
    for kind in ("builtin", "program"):
        with open(f"{out}/{kind}-{i}/metrics.jsonl") as f:
            curves.append([json.loads(l)["reward"] for l in f])
    same = sum(a == b for a, b in zip(*curves))
    print(f"seed {i}: reward curve of the program run equals the built-in run's at {same} of {len(curves[0])} steps;"
          f" first steps {' '.join(f'{x:.3f}' for x in curves[0][:8])}")
extra = res["program"][0] - res["builtin"][0]
print(f"program overhead per step: {extra*1e3:.2f} ms = {100*extra/res['builtin'][1]:.2f}% of the built-in run's median step")
PY
