"""End-to-end fixtures: a real bridged process on 127.0.0.1 with ephemeral ports.

Run inside a loopback-only network namespace (scripts/test.sh does:
`unshare -n bash -c 'ip link set lo up; pytest tests/e2e'`), so no peer can reach
any other address.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BRIDGED = os.environ.get("BRIDGED_BIN", os.path.join(ROOT, ".build", "debug", "bridged"))
# Media workers of the bridges the tests start (unless a test sets --workers itself); with 2 or
# more, streaming rooms' viewers spread over workers.
WORKERS = os.environ.get("BRIDGED_E2E_WORKERS", "1")


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Bridged:
    def __init__(self, *extra, env=None):
        self.http_port = free_port()
        self.media_port = free_port(socket.SOCK_DGRAM)
        self.log_path = f"/tmp/bridged-e2e-{self.http_port}.log"
        self.log = open(self.log_path, "w")
        workers = [] if "--workers" in extra or "--udp" in extra else ["--workers", WORKERS]
        # Each bridge its own database (permanent rooms, audit log), deleted at stop, unless the
        # test names one (to start a second bridge on the same).
        self.own_database = None if "--database" in extra else f"/tmp/bridged-e2e-{self.http_port}.sqlite"
        database = ["--database", self.own_database] if self.own_database else []
        args = [BRIDGED, "--http-port", str(self.http_port), "--media-port", str(self.media_port),
                *workers, "--log-level", "debug", *database, *extra]
        if "--udp" in extra:
            self.media_port = None
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        self.base = f"http://127.0.0.1:{self.http_port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if self.get("/v1/health")[1]["status"] == "ok":
                    return
            except Exception:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise RuntimeError("bridged exited:\n" + open(self.log_path).read())
        raise RuntimeError("bridged did not start:\n" + open(self.log_path).read())

    def request(self, method, path, body=None, raw=None, headers=None):
        """(status, JSON body or None); `headers` are added to the content type."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return e.code, (json.loads(text) if text else None)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None, raw=None):
        return self.request("POST", path, body, raw)

    def delete(self, path):
        return self.request("DELETE", path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        self.remove_database()

    def remove_database(self):
        for suffix in ("", "-wal", "-shm"):
            if self.own_database and os.path.exists(self.own_database + suffix):
                os.remove(self.own_database + suffix)

    def kill(self):
        """SIGKILL: the process gets no chance to finish anything."""
        self.proc.kill()
        self.proc.wait(10)
        self.log.close()
        self.remove_database()

    def logs(self):
        return open(self.log_path).read()

    def events_url(self, since=None):
        url = self.base.replace("http://", "ws://") + "/v1/events"
        return url if since is None else f"{url}?since={since}"


@pytest.fixture
def bridged():
    b = Bridged()
    yield b
    b.stop()
    assert b.proc.returncode is not None


def wait_for(predicate, timeout, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last={last!r}")
