#!/usr/bin/env bash
# `npm run bench`: every benchmark in turn (one that misses its goal or fails does not stop the
# others), then every figure that has a goal, collected from this one run.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
for bench in startup mcp-latency walk-run mcp-throughput session-memory concurrent-sessions \
  lab-sessions open-session exec-latency exec-throughput leave-close; do
  echo "== $bench"
  node "dist/bench/$bench.js" 2>&1 | tee -a "$log" || rc=1
done
echo
echo "== figures with a goal (this run)"
grep -E 'goal' "$log"
exit $rc
