#!/usr/bin/env bash
# Where bridged's time goes while forwarding: perf (software cpu-clock sampling, which works in
# VMs without hardware counters) on a release bridged pinned to CPU 0, with N viewers from the
# load generator on CPU 1, in a loopback-only namespace. Prints the split by binary and the
# hottest symbols.   Benchmarks/profile.sh [N=200] [extra bridged flags…]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-200}"; shift || true
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
if [[ -z "${PROFILE_IN_NETNS:-}" ]]; then
  export PROFILE_IN_NETNS=1
  exec unshare -n bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$N" "$@"
fi
OUT="$(mktemp -d /tmp/profile.XXXXXX)"
taskset -c 0 "$ROOT/.build/release/bridged" --http 127.0.0.1:8080 --udp 127.0.0.1:40000 --log-level warning "$@" \
  > "$OUT/bridged.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:8080/v1/health >/dev/null && break; sleep 0.1; done
taskset -c 1 "$ROOT/Benchmarks/LoadGen/.build/release/loadgen" --viewers "$N" --duration 12 --warmup 2 \
  --server-pid "$PID" --json "$OUT/run.json" > /dev/null 2> "$OUT/loadgen.err" &
GEN=$!
sleep 7
perf record -e cpu-clock -F 2000 -g -p "$PID" -o "$OUT/perf.data" -- sleep 6 2> /dev/null
wait "$GEN"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
python3 "$ROOT/Benchmarks/report.py" --one "$OUT/run.json"
echo "--- by binary"
perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8
echo "--- hottest symbols"
perf report -i "$OUT/perf.data" --no-children --sort dso,sym --stdio -g none --percent-limit 0.8 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | cut -c1-150 | head -40
echo "perf data: $OUT/perf.data"
