#!/bin/bash
# Runs every package's test suite five times in a row while a CPU-heavy job competes for the same cores:
# a loop rebuilding @rs/core in a second checkout given as $1 (e.g. `git clone . /tmp/hog` after one
# `npm test` there). Prints one line per run; any failure shows in the run's exit code.
set -u
hog_checkout=${1:?usage: scripts/loaded-test-runs.sh <second checkout for the CPU load>}
cd "$(dirname "$0")/.."
( cd "$hog_checkout" && while true; do npx -y pnpm@10.34.8 exec turbo run build --force --filter=@rs/core >/dev/null 2>&1; done ) &
hog=$!
trap 'kill $hog 2>/dev/null; pkill -P $hog 2>/dev/null' EXIT
status=0
for run in 1 2 3 4 5; do
  start=$(date +%s)
  log=$(mktemp)
  rc=0
  npx -y pnpm@10.34.8 exec turbo run test --force --concurrency=2 --continue >"$log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || status=1
  echo "run $run: exit $rc, $(( $(date +%s) - start )) s, load $(cut -d' ' -f1 /proc/loadavg):" \
    "$(grep -hE 'Tests .*(passed|failed)' "$log" | sed 's/\x1b\[[0-9;]*m//g' | tr -s ' ' | tr '\n' ';')"
done
exit $status
