#!/bin/sh
# A reward program for rltrain in plain POSIX sh: a length budget.
#
#   rltrain --reward-cmd short='sh examples/reward_len.sh 48' --reward accuracy:1,short:0.1
#
# Scores each completion by its length in tokens against a budget (the first
# argument, default 48): 1 within the budget, then falling linearly to 0 at
# twice the budget; a completion cut at the generation cap scores 0.
#
# Protocol (see the rewards package doc): one JSON request per line on stdin,
# one JSON answer per line on stdout, in order. Every request line starts with
# {"id":N,"tokens":N,"truncated":true|false, so the shell reads those three
# fields by pattern and never parses the rest of the JSON. (No awk or sed:
# some awks buffer their input, which would stall a line-by-line protocol.)
budget=${1:-48}
case $budget in
  ''|*[!0-9]*|0) echo "reward_len.sh: budget '$budget' is not a positive integer" >&2; exit 2 ;;
esac
while IFS= read -r line; do
  rest=${line#'{"id":'}
  id=${rest%%,*}
  rest=${rest#*,'"tokens":'}
  tokens=${rest%%,*}
  rest=${rest#*,'"truncated":'}
  truncated=${rest%%,*}
  case $id$tokens in
    ''|*[!0-9]*) echo "reward_len.sh: unexpected request line: $line" >&2; exit 1 ;;
  esac
  if [ "$truncated" = true ]; then
    score=0 why="truncated"
  elif [ "$tokens" -le "$budget" ]; then
    score=1 why="within $budget tokens"
  else
    milli=$((1000 - 1000 * (tokens - budget) / budget))
    [ "$milli" -lt 0 ] && milli=0
    score=$(printf '%d.%03d' $((milli / 1000)) $((milli % 1000)))
    why="$tokens tokens, budget $budget"
  fi
  printf '{"id":%s,"score":%s,"message":"%s"}\n' "$id" "$score" "$why"
done
