#!/usr/bin/env bash
# test-mpi-features.sh: the features beyond plain RL under `mpirun -np 2`,
# each against the one-process run of the same global batch:
#   rise       --rise: --rise-verify is per rank, so 2 ranks × V/2 verify as
#              many solutions as 1 process × V (verify/n, summed over ranks);
#              the first step's solutions equal the one-process run's
#   score      --turns 2: both attempts sample from the rows' global streams,
#              so rewards and the score/ counts equal the one-process run's
#   consensus  --reward consensus --unlabeled: groups stay whole on a rank, so
#              the pseudo-labels, rewards and self_reward/ metrics are equal
#   eval       an odd number of held-out problems (uneven shards): the
#              evaluation before training equals the one-process one exactly
#              (checked in every case above)
#   resume     a 2-rank run whose ranks are killed (SIGKILL) after a checkpoint,
#              restarted with the same command, ends with the metrics and
#              final weights of an uninterrupted 2-rank run
# Every 2-rank run must end with bitwise identical weights on both ranks.
# Ends with "mpi-features: N passed, M failed"; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
MPIRUN=${MPIRUN:-mpirun}
MPIRUN_FLAGS=${MPIRUN_FLAGS:---allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT; echo "work dir $work"
go build -o "$work/rl-1" ./cmd/rltrain
go build -tags mpi -o "$work/rl-mpi" ./cmd/rltrain
pass=0 fail=0
ok()  { echo "ok    $1"; pass=$((pass+1)); }
bad() { echo "FAIL  $1"; fail=$((fail+1)); }
small=(--sft-steps 120 --steps 3 --prompts-per-step 4 --eval-n 9 --eval-k 2 --threads 1 --cache "$work/cache"
       --model-hidden-size 64 --model-num-hidden-layers 2 --model-intermediate-size 192
       --model-num-attention-heads 4 --model-num-key-value-heads 2 --model-head-dim 16)

# run2 NAME ARGS...: the 2-rank run into $work/NAME-2; checks the identical-weights line.
run2() {
  local name=$1; shift
  # shellcheck disable=SC2086
  if ! timeout 900 $MPIRUN $MPIRUN_FLAGS -np 2 "$work/rl-mpi" "$@" --out "$work/$name-2" > "$work/$name-2.log" 2>&1; then
    bad "$name: mpirun exited non-zero"; tail -20 "$work/$name-2.log"; return 1
  fi
  if ! grep -q "weights identical on all 2 ranks" "$work/$name-2.log"; then
    bad "$name: no identical-weights line"; tail -5 "$work/$name-2.log"; return 1
  fi
}

# compare NAME EXACT TOL [STEPS]: metrics of $work/NAME-1 and $work/NAME-2:
# EXACT keys equal (on STEPS, default all), TOL keys within relative 1e-3,
# and the evaluation before training equal.
compare() {
  python3 - "$work/$1-1" "$work/$1-2" "$2" "$3" "${4:-}" <<'PY'
import json, math, sys
a, b, exact, tol, steps = sys.argv[1:6]
exact, tol = exact.split(","), [k for k in tol.split(",") if k]
steps = set(int(s) for s in steps.split(",")) if steps else None
one = [json.loads(l) for l in open(a + "/metrics.jsonl")]
two = [json.loads(l) for l in open(b + "/metrics.jsonl")]
bad = []
if len(one) != len(two):
    bad.append(f"{len(one)} vs {len(two)} steps")
for x, y in zip(one, two):
    if steps is not None and x["step"] not in steps:
        continue
    for k in exact:
        if x.get(k) != y.get(k):
            bad.append(f"step {x['step']} {k}: {x.get(k)} vs {y.get(k)}")
    for k in tol:
        if (k in x) != (k in y) or (k in x and not math.isclose(x[k], y[k], rel_tol=1e-3, abs_tol=1e-6)):
            bad.append(f"step {x['step']} {k}: {x.get(k)} vs {y.get(k)}")
ea, eb = json.load(open(a + "/summary.json"))["eval_before"], json.load(open(b + "/summary.json"))["eval_before"]
if ea != eb:
    bad.append(f"eval_before: {ea} vs {eb}")
print("\n".join(bad) or "match")
sys.exit(1 if bad else 0)
PY
}

# --- rise: V = 8 in one process, 4 per rank on 2 ranks.
rise=(--algo grpo --rise --task countdown --train-n 400 --rise-samples 2 "${small[@]}")
"$work/rl-1" "${rise[@]}" --rise-verify 8 --out "$work/rise-1" > "$work/rise-1.log" 2>&1
if run2 rise "${rise[@]}" --rise-verify 4; then
  # Every step verifies 8 solutions × 2 samples in all: verify/n counts the
  # sampled verifications, skipped_overlong the solutions whose prompt did not fit.
  if out=$(python3 - "$work/rise-1" "$work/rise-2" <<'PY'
import json, sys
bad = []
for d in sys.argv[1:]:
    for m in map(json.loads, open(d + "/metrics.jsonl")):
        if m["verify/n"] + 2 * m["verify/skipped_overlong"] != 16:
            bad.append(f"{d} step {m['step']}: verify/n {m['verify/n']} + 2 x skipped {m['verify/skipped_overlong']} != 16")
print("\n".join(bad) or "match")
sys.exit(1 if bad else 0)
PY
  ) && out=$(compare rise "reward,accuracy,completions/mean_length,verify/n" "" 1); then
    ok "rise: 2 ranks x 4 verify as many as 1 x 8 (verify/n over ranks); step 1 and eval equal; identical weights"
  else bad "rise: $out"; fi
fi

# --- score: two turns.
score=(--algo grpo --turns 2 --task countdown --train-n 400 "${small[@]}")
"$work/rl-1" "${score[@]}" --out "$work/score-1" > "$work/score-1.log" 2>&1
if run2 score "${score[@]}"; then
  if out=$(compare score "reward,accuracy,score/acc_t1,score/acc_t2,score/delta_i2c,score/delta_c2i,score/skipped_overlong" \
                         "grad_norm,loss,score/edit_ratio,score/reward_t2"); then
    ok "score: rewards and score/ counts equal, loss within 1e-3, eval equal, identical weights"
  else bad "score: $out"; fi
fi

# --- consensus, label-free.
cons=(--algo grpo --task arithmetic --train-n 400 --reward consensus --unlabeled "${small[@]}")
"$work/rl-1" "${cons[@]}" --out "$work/cons-1" > "$work/cons-1.log" 2>&1
if run2 cons "${cons[@]}"; then
  if out=$(compare cons "reward,self_reward/agreement,self_reward/label_rate,self_reward/true_accuracy" "grad_norm,loss"); then
    ok "consensus: pseudo-label rewards and self_reward/ metrics equal, loss within 1e-3, eval equal, identical weights"
  else bad "consensus: $out"; fi
fi

# --- resume with the same rank count.
res=(--algo grpo --task arithmetic --train-n 400 --beta 0.02 --save-every 1 --keep 2 "${small[@]}" --steps 24)  # the last --steps wins; enough steps after checkpoint-3 to kill the run on an idle machine
if run2 resclean "${res[@]}"; then
  # shellcheck disable=SC2086
  $MPIRUN $MPIRUN_FLAGS -np 2 "$work/rl-mpi" "${res[@]}" --out "$work/reskill-2" > "$work/reskill-1st.log" 2>&1 &
  mp=$!
  for _ in $(seq 1 6000); do
    [ -d "$work/reskill-2/checkpoint-3" ] && break
    kill -0 "$mp" 2>/dev/null || break
    sleep 0.05
  done
  killed=0
  for pid in $(pgrep -f "^$work/rl-mpi " || true); do kill -9 "$pid" 2>/dev/null && killed=$((killed+1)); done
  wait "$mp" 2>/dev/null || true
  if [ "$killed" -eq 0 ]; then
    bad "resume: the first run ended before it could be killed"
  elif run2 reskill "${res[@]}"; then
    if python3 - "$work/resclean-2" "$work/reskill-2" <<'PY'
import hashlib, json, sys
a, b = sys.argv[1], sys.argv[2]
def timing(k):
    return k.endswith("_s") or k.startswith("dist/") or k == "tokens_per_s"
def metrics(d):
    return [{k: v for k, v in json.loads(l).items() if not timing(k)} for l in open(d + "/metrics.jsonl")]
def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()
bad = []
if metrics(a) != metrics(b):
    bad.append("metrics.jsonl differs")
if sha(a + "/final/model.safetensors") != sha(b + "/final/model.safetensors"):
    bad.append("final weights differ")
print("\n".join(bad) or "identical")
sys.exit(1 if bad else 0)
PY
    then ok "resume: 2 ranks killed (SIGKILL) after checkpoint-3 of 24, restarted: metrics and final weights equal the uninterrupted 2-rank run's"
    else bad "resume"; fi
  fi
fi
echo "mpi-features: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
