#!/usr/bin/env bash
# The whole test suite: installs what it needs (Debian packages, PyPI), builds, runs unit
# tests, then the end-to-end tests against real peers in a loopback-only network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
swift build --build-tests
swift test
