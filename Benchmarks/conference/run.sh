#!/usr/bin/env bash
# Conference load: N Chromium members at 720p in one room of a release bridged, in a
# loopback-only network namespace. Prints bridged's CPU per packet and the join-to-first-frame
# times (see conference.py). Needs what scripts/setup.sh test installs and a release build.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-6}"
(cd "$ROOT" && swift build -c release --product bridged 2>&1 | tail -1)
export BRIDGED_BIN="$ROOT/.build/release/bridged"
exec unshare -n bash -c 'ip link set lo up && exec python3 "$0" "$1"' "$ROOT/Benchmarks/conference/conference.py" "$N"
