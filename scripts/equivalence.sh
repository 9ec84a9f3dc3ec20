#!/usr/bin/env bash
# equivalence.sh BIN OUT: a short seeded run of every --algo preset with the
# rltrain binary BIN, from one small cached warm start, and a digest of each
# run (metrics.jsonl without its timing keys, the summary's evaluations and
# the sha256 of the final checkpoint's files) in OUT/digest.txt. Two binaries
# that train identically give identical digests: refactors are checked with
#   diff OLD/digest.txt NEW/digest.txt
set -euo pipefail
BIN=${1:?usage: equivalence.sh BIN OUT}
OUT=${2:?usage: equivalence.sh BIN OUT}
STEPS=${STEPS:-3}
mkdir -p "$OUT"
CACHE=${CACHE:-$OUT/cache}
: > "$OUT/digest.txt"
for algo in grpo dr_grpo dapo ppo rloo reinforce_pp nft; do
  pps=4
  [ "$algo" = ppo ] && pps=16
  "$BIN" --algo "$algo" --out "$OUT/$algo" --cache "$CACHE" --train-n 2000 --eval-n 16 --eval-k 2 \
    --sft-steps 100 --steps "$STEPS" --prompts-per-step "$pps" --threads 2 "${@:3}" > "$OUT/$algo.log" 2>&1 ||
    { echo "equivalence: $algo failed, see $OUT/$algo.log" >&2; exit 1; }
  {
    echo "== $algo"
    python3 - "$OUT/$algo" <<'PY'
import json, sys
d = sys.argv[1]
timing = {"rollout_s", "score_s", "train_s", "tokens_per_s"}
for line in open(d + "/metrics.jsonl"):
    m = json.loads(line)
    print(json.dumps({k: v for k, v in sorted(m.items()) if k not in timing}, sort_keys=True))
s = json.load(open(d + "/summary.json"))
print("eval_before", json.dumps(s["eval_before"], sort_keys=True))
print("eval_after", json.dumps(s["eval_after"], sort_keys=True))
PY
    (cd "$OUT/$algo/final" && sha256sum model.safetensors tokenizer.json)
  } >> "$OUT/digest.txt"
done
echo "equivalence: $(grep -c '^==' "$OUT/digest.txt") presets digested in $OUT/digest.txt"
