#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine as root:
#   1. installs what it needs (Debian packages, PyPI: Chromium, aiortc, libsrtp2 as test oracle),
#   2. unit tests in a debug build,
#   3. the allocation test (and every unit test again) in a release build,
#   4. end-to-end tests: the release bridged against headless Chromium, aiortc, Pion and the
#      benchmark's load generator, inside a network namespace that has only the loopback interface.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

echo "== unit tests (debug)"
swift build --build-tests
swift test --skip-build

echo "== unit tests (release: zero allocations per forwarded packet)"
swift test -c release --enable-testable-imports

echo "== end-to-end tests (loopback-only network namespace)"
swift build -c release --product bridged
export BRIDGED_BIN="$PWD/.build/release/bridged"
# The benchmark's load generator (Benchmarks/LoadGen) is tested too: 40 of its WebRTC viewers.
(cd Benchmarks/LoadGen && swift build -c release)
export LOADGEN_BIN="$PWD/Benchmarks/LoadGen/.build/release/loadgen"
unshare -n bash -c 'ip link set lo up && cd tests/e2e && python3 -m pytest -v -p no:cacheprovider .'
