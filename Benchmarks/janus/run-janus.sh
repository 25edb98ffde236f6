#!/usr/bin/env bash
# Copied from the team tooling (shared/tools/run-janus.sh) so that Benchmarks/ is self-contained;
# adds JANUS_EVENT_LOOPS and JANUS_TASKSET.
# run-janus.sh -- start the Debian-packaged Janus (1.1.2) on loopback only, with a
# config written from scratch into a private directory (never touches /etc/janus).
#
# Usage: run-janus.sh [start|stop|status|restart]      (default: start)
#   JANUS_RUN_DIR   where config/log/pid/recordings go (default /tmp/janus-run)
#   JANUS_DEBUG     janus debug level 0-7 (default 4)
#   JANUS_EVENT_LOOPS  0 (default, Janus's own default: one thread per PeerConnection) or N:
#                   `event_loops = N` in janus.jcfg, all PeerConnections share N loops
#   JANUS_TASKSET   CPU list to pin Janus (and every thread it starts) to, e.g. "0"
#   JANUS_LOOPBACK_ICE  1 (default): build a tiny LD_PRELOAD shim (needs gcc) that hides
#                   the IFF_LOOPBACK flag from Janus, and set interface/ice_enforce_list
#                   to 127.0.0.1, so ICE host candidates are 127.0.0.1 and WebRTC peers on
#                   the same machine can really connect over loopback. Janus' ice.c always
#                   skips loopback interfaces otherwise. 0: stock behaviour (candidates on
#                   the machine's real interfaces; signalling still loopback-only).
#
# Endpoints once started (all bound to 127.0.0.1):
#   Janus API  HTTP  http://127.0.0.1:8088/janus      (long-poll GET /janus/<session>)
#   Janus API  WS    ws://127.0.0.1:8188              (subprotocol "janus-protocol")
#   Admin API  HTTP  http://127.0.0.1:7088/admin      (admin_secret "janusoverlord")
#   Admin API  WS    ws://127.0.0.1:7188              (subprotocol "janus-admin-protocol")
#   Streaming mountpoint id 1: Opus pt 111 on udp 127.0.0.1:5002, VP8 pt 100 on udp 127.0.0.1:5004
#   VideoRoom room 1234 (secret "adminpwd"), recordings into $JANUS_RUN_DIR/rec
#
# Idempotent: "start" stops a previous instance started by this script (by PID from
# the pid file only), rewrites the config and starts a fresh one.
# Requires: apt-get install janus janus-tools (Debian 12: janus 1.1.2-1), curl.
set -euo pipefail

RUN_DIR="${JANUS_RUN_DIR:-/tmp/janus-run}"
CONF="$RUN_DIR/conf"
PIDFILE="$RUN_DIR/janus.pid"
LOG="$RUN_DIR/janus.log"
LIBDIR=/usr/lib/x86_64-linux-gnu/janus
DEBUG="${JANUS_DEBUG:-4}"
EVENT_LOOPS="${JANUS_EVENT_LOOPS:-0}"
TASKSET="${JANUS_TASKSET:-}"
LOOPBACK_ICE="${JANUS_LOOPBACK_ICE:-1}"
SHIM="$RUN_DIR/lo_ice.so"

die() { echo "run-janus: $*" >&2; exit 1; }

is_running() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && \
    [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == janus* ]]
}

stop() {
  if is_running; then
    local pid; pid="$(cat "$PIDFILE")"
    echo "run-janus: stopping janus pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "run-janus: pid $pid still alive after 10s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$PIDFILE"
}

build_shim() {
  [[ "$LOOPBACK_ICE" == 1 ]] || return 1
  [[ -f "$SHIM" ]] && return 0
  command -v gcc >/dev/null || { echo "run-janus: no gcc, loopback ICE shim disabled" >&2; return 1; }
  cat > "$RUN_DIR/lo_ice.c" <<'CEOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
/* Janus' ice.c skips IFF_LOOPBACK interfaces when gathering; hide the flag. */
int getifaddrs(struct ifaddrs **ifap) {
	static int (*real)(struct ifaddrs **) = 0;
	if(!real) real = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
	int rc = real(ifap);
	if(rc == 0)
		for(struct ifaddrs *i = *ifap; i; i = i->ifa_next)
			i->ifa_flags &= ~IFF_LOOPBACK;
	return rc;
}
CEOF
  gcc -shared -fPIC -O2 -o "$SHIM" "$RUN_DIR/lo_ice.c" -ldl
}

write_config() {
  mkdir -p "$CONF" "$RUN_DIR/rec"
  local iface_line="" enforce_line='ice_ignore_list = "vmnet"' loops_line=""
  if [[ "$EVENT_LOOPS" != 0 ]]; then loops_line="event_loops = $EVENT_LOOPS"; fi
  if [[ "$USE_SHIM" == 1 ]]; then
    iface_line='interface = "127.0.0.1"'
    enforce_line='ice_enforce_list = "127.0.0.1"'
  fi
  # ---- core ----------------------------------------------------------------
  cat > "$CONF/janus.jcfg" <<EOF
general: {
	configs_folder = "$CONF"
	plugins_folder = "$LIBDIR/plugins"
	transports_folder = "$LIBDIR/transports"
	events_folder = "$LIBDIR/events"
	loggers_folder = "$LIBDIR/loggers"
	debug_level = $DEBUG
	debug_timestamps = true
	debug_colors = false
	admin_secret = "janusoverlord"
	server_name = "janus-research"
	session_timeout = 60
	$iface_line
	$loops_line
	protected_folders = [ "/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var" ]
}
certificates: {
}
media: {
	rtp_port_range = "20000-40000"
}
nat: {
	nice_debug = false
	$enforce_line
}
plugins: {
	disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}
transports: {
	disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so"
}
loggers: {
	disable = "libjanus_jsonlog.so"
}
events: {
	broadcast = false
}
EOF
  # ---- HTTP transport (Janus API + Admin API), loopback only -----------------
  cat > "$CONF/janus.transport.http.jcfg" <<'EOF'
general: {
	json = "indented"
	base_path = "/janus"
	http = true
	port = 8088
	ip = "127.0.0.1"
	https = false
}
admin: {
	admin_base_path = "/admin"
	admin_http = true
	admin_port = 7088
	admin_ip = "127.0.0.1"
	admin_https = false
}
cors: {
}
EOF
  # ---- WebSockets transport, loopback only -----------------------------------
  cat > "$CONF/janus.transport.websockets.jcfg" <<'EOF'
general: {
	json = "indented"
	ws = true
	ws_port = 8188
	ws_ip = "127.0.0.1"
	wss = false
}
admin: {
	admin_ws = true
	admin_ws_port = 7188
	admin_ws_ip = "127.0.0.1"
	admin_wss = false
}
cors: {
}
EOF
  # ---- Streaming plugin: one RTP mountpoint, Opus + VP8 on loopback ----------
  cat > "$CONF/janus.plugin.streaming.jcfg" <<'EOF'
general: {
	rtp_port_range = "20000-40000"
}
rtp-sample: {
	type = "rtp"
	id = 1
	description = "Opus/VP8 live stream coming from external source"
	metadata = "loopback test mountpoint"
	audio = true
	video = true
	audioport = 5002
	audioiface = "127.0.0.1"
	audiopt = 111
	audiocodec = "opus"
	videoport = 5004
	videoiface = "127.0.0.1"
	videopt = 100
	videocodec = "vp8"
	secret = "adminpwd"
}
EOF
  # ---- VideoRoom plugin: one conference room ---------------------------------
  cat > "$CONF/janus.plugin.videoroom.jcfg" <<EOF
general: {
}
room-1234: {
	description = "Demo Room"
	secret = "adminpwd"
	publishers = 6
	bitrate = 0
	fir_freq = 10
	audiocodec = "opus"
	videocodec = "vp8"
	record = false
	rec_dir = "$RUN_DIR/rec"
}
EOF
  # ---- EchoTest plugin (handy smoke test, no ports of its own) ----------------
  printf 'general: {\n}\n' > "$CONF/janus.plugin.echotest.jcfg"
}

ports_busy() {
  # any of our TCP/UDP ports already bound by someone else?
  ss -Hltnu 2>/dev/null | awk '{print $5}' | grep -Eq ':(8088|8188|7088|7188|5002|5004)$'
}

start() {
  command -v janus >/dev/null || die "janus not installed (apt-get install janus janus-tools)"
  stop
  if ports_busy; then
    ss -Hltnup | grep -E ':(8088|8188|7088|7188|5002|5004) ' >&2 || true
    die "a port Janus needs is already in use by a process this script did not start"
  fi
  mkdir -p "$RUN_DIR"
  USE_SHIM=0; PRELOAD=""
  if build_shim; then USE_SHIM=1; PRELOAD="$SHIM"; fi
  write_config
  : > "$LOG"
  # -C config file, -F configs folder; -o no colours; everything else comes from janus.jcfg
  local pin=()
  if [[ -n "$TASKSET" ]]; then pin=(taskset -c "$TASKSET"); fi
  LD_PRELOAD="$PRELOAD" nohup "${pin[@]}" janus -C "$CONF/janus.jcfg" -F "$CONF" -o -d "$DEBUG" -L "$LOG" -N \
        >/dev/null 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 100); do
    if curl -s -m 1 http://127.0.0.1:8088/janus/info >/dev/null 2>&1; then
      echo "run-janus: janus pid $(cat "$PIDFILE") up; config in $CONF, log $LOG, loopback-ICE shim=$USE_SHIM"
      curl -s http://127.0.0.1:8088/janus/info | python3 -c \
        'import json,sys; d=json.load(sys.stdin); print("run-janus: %s %s plugins=%s transports=%s" % (d["name"], d["version_string"], ",".join(sorted(d["plugins"])), ",".join(sorted(d["transports"]))))'
      return 0
    fi
    is_running || { tail -30 "$LOG" >&2; die "janus exited during startup"; }
    sleep 0.2
  done
  tail -30 "$LOG" >&2; die "janus did not answer on 127.0.0.1:8088 within 20s"
}

case "${1:-start}" in
  start|restart) start ;;
  stop) stop; echo "run-janus: stopped" ;;
  status) if is_running; then echo "running pid $(cat "$PIDFILE")"; else echo "not running"; exit 3; fi ;;
  *) die "usage: $0 [start|stop|status|restart]" ;;
esac
