#!/usr/bin/env bash
# Installs the Debian (and, for tests, PyPI) packages bridged needs. Idempotent.
#   scripts/setup.sh        what building and running bridged needs
#   scripts/setup.sh test   plus the real peers the tests use (Chromium, aiortc, ffmpeg, GStreamer's webrtcbin)
set -euo pipefail
pkgs=(pkg-config libssl-dev libsrtp2-dev libavformat-dev libsqlite3-dev)
if [ "${1:-}" = test ]; then
    pkgs+=(chromium chromium-driver iproute2 python3-pip golang-go golang-github-pion-webrtc.v3-dev libvpx-dev libopus-dev util-linux janus-tools ffmpeg coturn
           python3-gst-1.0 gir1.2-gst-plugins-bad-1.0 gstreamer1.0-plugins-bad gstreamer1.0-plugins-good gstreamer1.0-nice)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get -o DPkg::Lock::Timeout=900 install -y -q "${missing[@]}"
fi
if [ "${1:-}" = test ]; then
    python3 -c 'import aiortc, selenium, pytest, websocket, yaml, jsonschema, openapi_spec_validator' 2>/dev/null \
        || python3 -m pip install -q "aiortc==1.16.0" selenium pytest websocket-client pyyaml jsonschema openapi-spec-validator
fi
