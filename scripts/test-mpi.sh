#!/usr/bin/env bash
# Tests package dist over real MPI: builds its tests with `-tags mpi` (cgo,
# Open MPI through pkg-config ompi) and runs them
#   - alone (MPI makes it a job of one rank; the ordinary Go tests too),
#   - under mpirun with 2, 3 and 4 ranks (all-reduce of float32 and float64
#     buffers of 0, 1, 1000 and 100003 values and in pieces, broadcasts,
#     Gather order, Barrier, bitwise identical sums on all ranks, ...),
#   - twice with a rank that panics under dist.Guard, which must end the job
#     with exit code 2 instead of hanging,
#   - built without the tag under mpirun, where Open must refuse, and built
#     with it under a fake 3-rank MPICH environment, where Open must notice
#     that MPI disagrees with the launcher,
# then prints the all-reduce bandwidth of 1K, 1M and 10M floats on 2 ranks
# and ends with `mpi: N passed, M failed`; exits non-zero when M > 0.
#
# Needs root (or sudo) for apt-get the first time: openmpi-bin,
# libopenmpi-dev, pkg-config (and gcc for cgo).
# Environment:
#   MPIRUN        the launcher (default mpirun)
#   MPIRUN_FLAGS  its flags (default --allow-run-as-root --oversubscribe
#                 --mca mpi_yield_when_idle 1: CI runs as root, 4 ranks exceed
#                 a 2-core machine, and on a shared machine a rank that spins
#                 while it waits starves its peer: 10M-float all-reduces on 2
#                 ranks took 0.5 s instead of 30 ms under a load of 8)
#   MPI_TIMEOUT   seconds before a hung run is killed (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."

mpirun=${MPIRUN:-mpirun}
read -r -a flags <<<"${MPIRUN_FLAGS:---allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1}"
limit=${MPI_TIMEOUT:-300}

# Install Open MPI when it is missing.
missing=()
command -v "$mpirun" >/dev/null || missing+=(openmpi-bin)
pkg-config --exists ompi 2>/dev/null || missing+=(libopenmpi-dev pkg-config)
command -v "$(go env CC)" >/dev/null || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "test-mpi: not root: cannot install ${missing[*]}" >&2
    exit 1
  fi
  echo "test-mpi: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "test-mpi: $("$mpirun" --version 2>&1 | head -1), pkg-config ompi $(pkg-config --modversion ompi)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/dist.test

go vet -tags mpi ./dist/
CGO_ENABLED=1 go test -c -tags mpi -o "$bin" ./dist

passed=0
failed=0
pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; }

# Alone: the ordinary tests plus TestMPISingleton.
if (cd "$work" && timeout "$limit" "$bin" -test.count=1 >"$work/single.log" 2>&1); then
  pass 1
  echo "ok    singleton: $(grep -c '^ok ' "$work/single.log") checks on 1 rank and the Go tests"
else
  cat "$work/single.log"
  fail "singleton (go test)"
fi

# Every check on 2, 3 and 4 ranks; rank 0 prints the verdicts and a
# "ranks=N: P passed, F failed" line.
for np in 2 3 4; do
  echo "== $mpirun -np $np dist.test"
  rc=0
  (cd "$work" && timeout "$limit" "$mpirun" "${flags[@]}" -np "$np" "$bin") >"$work/np$np.log" 2>&1 || rc=$?
  cat "$work/np$np.log"
  line=$(grep -E "^ranks=$np: [0-9]+ passed, [0-9]+ failed" "$work/np$np.log" || true)
  if [ -z "$line" ]; then
    fail "$np ranks: no summary (exit code $rc)"
    continue
  fi
  p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  pass "$p"
  failed=$((failed + f))
  [ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "$np ranks: exit code $rc"
done

# A panicking rank under dist.Guard must abort the whole job with code 2.
for mode in idle busy; do
  rc=0
  (cd "$work" && timeout 120 "$mpirun" "${flags[@]}" -np 2 "$bin" -mpi.panic="$mode") >"$work/panic-$mode.log" 2>&1 || rc=$?
  if [ "$rc" -eq 2 ] && grep -q "panicked, aborting all ranks" "$work/panic-$mode.log"; then
    pass 1
    echo "ok    a rank that panics with its MPI thread $mode aborts the job (exit code 2)"
  else
    cat "$work/panic-$mode.log"
    fail "panic with the MPI thread $mode: exit code $rc (124 = hung), want 2 and Guard's message"
  fi
done

# Without -tags mpi, Open must see mpirun's variables and refuse.
plain=$work/dist-plain.test
go test -c -o "$plain" ./dist
rc=0
(cd "$work" && timeout "$limit" "$mpirun" "${flags[@]}" -np 2 "$plain" -test.run '^TestOpenHere$' -test.v) >"$work/plain.log" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c 'built without -tags mpi but launched by mpirun (Open MPI) with 2 ranks' "$work/plain.log")" -eq 2 ]; then
  pass 1
  echo "ok    built without -tags mpi, Open refuses on both ranks of mpirun -np 2"
else
  cat "$work/plain.log"
  fail "Open without -tags mpi under mpirun: exit code $rc"
fi

# An Open MPI binary started by another MPI's launcher (PMI_SIZE=3) must say so.
rc=0
(cd "$work" && PMI_SIZE=3 PMI_RANK=0 timeout "$limit" "$bin") >"$work/mismatch.log" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -q "with 3 ranks (PMI_SIZE=3) but MPI reports 1" "$work/mismatch.log"; then
  pass 1
  echo "ok    Open notices an MPI library that is not the launcher's"
else
  cat "$work/mismatch.log"
  fail "Open under another MPI's launcher: exit code $rc"
fi

echo "== all-reduce bandwidth, 2 ranks"
if ! (cd "$work" && timeout "$limit" "$mpirun" "${flags[@]}" -np 2 "$bin" -mpi.bench); then
  fail "all-reduce benchmark"
fi

echo "mpi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
