#!/usr/bin/env bash
# Builds bridged (release) and starts it on the embedded default configuration:
# control API and demo page on http://127.0.0.1:8080/, media on UDP 127.0.0.1:40000+.
# Extra arguments go to bridged (see `bridged --help`), e.g. --media-address 0.0.0.0.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product bridged
exec .build/release/bridged "$@"
