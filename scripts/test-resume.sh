#!/usr/bin/env bash
# test-resume.sh [KILLS]: kill -9 a seeded training run at random moments
# (during rollouts, updates and checkpoint writes alike) KILLS times (default
# 20), restarting it with the same command each time so that it resumes from
# its last complete checkpoint; then compare with an uninterrupted run of the
# same command: metrics.jsonl (timing keys aside), evaluations and the final
# weights must be identical. Ends with "resume: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-20}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
go build -o "$work/rltrain" ./cmd/rltrain
args=(--algo grpo --task arithmetic --train-n 600 --sft-steps 60 --steps 40 --prompts-per-step 4 --eval-n 8
      --save-every 1 --keep 2 --beta 0.02 --threads 2 --cache "$work/cache")
"$work/rltrain" "${args[@]}" --out "$work/clean" > "$work/clean.log" 2>&1
start=$(date +%s%N)
"$work/rltrain" "${args[@]}" --out "$work/probe" > /dev/null 2>&1
span=$(( ($(date +%s%N) - start) / 1000000 ))  # ms for a whole run from the cached warm start
kills=0 runs=0
while :; do
  runs=$((runs+1))
  "$work/rltrain" "${args[@]}" --out "$work/killed" >> "$work/killed.log" 2>&1 &
  pid=$!
  if [ "$kills" -lt "$KILLS" ]; then
    sleep "$(awk -v s=$RANDOM -v span="$span" 'BEGIN{srand(s); printf "%.3f", (0.01 + 0.08*rand()) * span / 1000}')"
    if kill -9 "$pid" 2>/dev/null; then kills=$((kills+1)); fi
  fi
  if wait "$pid" 2>/dev/null; then break; fi
  [ "$runs" -lt $((KILLS + 20)) ] || { echo "FAIL  the run never finished"; tail -20 "$work/killed.log"; exit 1; }
done
pass=0 fail=0
if python3 - "$work/clean" "$work/killed" <<'PY'
import hashlib, json, sys
a, b = sys.argv[1], sys.argv[2]
timing = {"rollout_s", "score_s", "train_s", "tokens_per_s"}
def metrics(d):
    return [{k: v for k, v in json.loads(l).items() if k not in timing} for l in open(d + "/metrics.jsonl")]
def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()
ma, mb = metrics(a), metrics(b)
sa, sb = json.load(open(a + "/summary.json")), json.load(open(b + "/summary.json"))
bad = []
if ma != mb:
    bad.append(f"metrics.jsonl differs ({len(ma)} vs {len(mb)} lines)")
if [m["step"] for m in mb] != list(range(1, len(mb) + 1)):
    bad.append("metrics.jsonl steps are not 1..N once each")
for k in ("eval_before", "eval_after", "steps"):
    if sa[k] != sb[k]:
        bad.append(f"summary {k} differs")
if sha(a + "/final/model.safetensors") != sha(b + "/final/model.safetensors"):
    bad.append("final weights differ")
print("\n".join(bad) or "identical")
sys.exit(1 if bad else 0)
PY
then pass=1; echo "ok    $kills kills (SIGKILL), $runs starts: metrics, evaluations and final weights equal the uninterrupted run's"
else fail=1; echo "FAIL  after $kills kills"; fi
echo "resume: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
