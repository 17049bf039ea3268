#!/usr/bin/env bash
# The gate's self-test: 20 interleaved comparisons of slowpoke (tokenizer ~25 % slower)
# against textkit, and 20 of textkit against itself. Prints how often each was flagged.
# Run: bash bench/gate-self-test.sh [RUNS]
set -u
cd "$(dirname "$0")/.."
runs=${1:-20}
flag() {
  local head=$1 flagged=0
  for _ in $(seq "$runs"); do
    node bin/plugbench.js compare --base textkit --head "$head" --op tokenize --lane wasm-core@inproc --out /tmp/plugbench-gate-self-test 2>/dev/null | head -1
    node -e "process.exit(require('/tmp/plugbench-gate-self-test/results.json').gate[0].status === 'fail' ? 0 : 1)" && flagged=$((flagged + 1))
  done
  echo "$head against textkit: flagged $flagged of $runs"
}
flag slowpoke
flag textkit
