#!/usr/bin/env bash
# Builds the micro-benchmarks in release (the benchmark plugin's default), runs them, then runs
# them again against the stored thresholds (Thresholds/*.p90.json).
#
#   ./run.sh                          everything
#   ./run.sh --filter 'SRTP-.*'       a subset (regular expression on the names)
#
# Exit status: 0 when every p90 is within the tolerances of Benchmarks/BridgedMicro/Support.swift,
# 2 on a regression, 1 when a benchmark failed or crashed. A result better than its threshold
# beyond the tolerance only prints a warning (the plugin counts it as a failure): on a quiet
# machine, record new thresholds then with
#   swift package --allow-writing-to-package-directory benchmark thresholds update
# Timings on a loaded machine are slower; a regression there may be the load.
set -uo pipefail
cd "$(dirname "$0")"

progress=()
[ -t 1 ] || progress=(--no-progress)

echo "== swift package benchmark (release) =="
swift package benchmark "${progress[@]}" "$@" || exit 1

echo
echo "== swift package benchmark thresholds check =="
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift package benchmark thresholds check "${progress[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# `swift package` exits 1 whatever the plugin's reason; the reason is on its error line.
if [ "$status" -eq 0 ]; then
    echo "thresholds check: passed"
elif grep -aq "error: benchmarkThresholdImprovement" "$log"; then
    echo "thresholds check: passed; some results are better than their thresholds beyond the tolerance" \
         "(on a quiet machine: swift package --allow-writing-to-package-directory benchmark thresholds update)"
    status=0
elif grep -aq "error: benchmarkThresholdRegression" "$log"; then
    echo "thresholds check: FAILED, regressions above (or no thresholds found)"
    status=2
else
    echo "thresholds check: FAILED (exit $status)"
    status=1
fi
exit "$status"
