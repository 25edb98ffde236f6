"""A UDP relay that puts an emulated link between a peer and what it talks to (this kernel has
no netem): per direction a rate cap with a drop-tail queue, random loss, delay and jitter.

    peer  <->  relay.port (socket A)   relay   socket B  <->  target (bridged, or another peer)

`switch()` makes the peer's datagrams leave from a new socket B (a phone moving from Wi-Fi to
mobile data: a new source address), `blackhole()` drops everything (a peer that went silent).

The peer is given `relay.port` instead of the target's port (its answer's candidate rewritten);
what it sends is forwarded from socket B to the target, and what comes back to B is sent to the
last address the peer sent from. Each direction records what a user of the link would measure:
packets and bytes delivered, drops at the queue, random losses, and each packet's time in the
queue (waiting plus its own transmission at the link rate).
"""
import heapq
import random
import select
import socket
import threading
import time


class Link:
    """One direction of the link. rate_bps None: no cap (and no queue)."""

    def __init__(self, rate_bps=None, queue_ms=200, loss=0.0, delay_ms=0.0, jitter_ms=0.0, seed=1, media_only=False):
        """media_only: the random loss spares ICE and DTLS (datagrams that are not RTP or RTCP)."""
        self.rate_bps = rate_bps
        self.media_only = media_only
        self.queue_bytes = int(rate_bps * queue_ms / 1000 / 8) if rate_bps else None
        self.loss = loss
        self.delay = delay_ms / 1000
        self.jitter = jitter_ms / 1000
        self.random = random.Random(seed)
        self.free_at = 0.0        # when the link finishes sending what it has accepted
        self.queued = []          # departure times of accepted packets not yet gone (with sizes)
        self.reset()

    def reset(self):
        """Starts a new measurement window."""
        self.packets = 0
        self.bytes = 0
        self.dropped = 0
        self.lost = 0
        self.queue_delays = []
        self.started = time.monotonic()

    def admit(self, size, now, media=True):
        """When a packet of `size` bytes sent at `now` arrives at the far end, or None if dropped."""
        if self.loss and (media or not self.media_only) and self.random.random() < self.loss:
            self.lost += 1
            return None
        departure = now
        if self.rate_bps:
            while self.queued and self.queued[0][0] <= now:
                heapq.heappop(self.queued)
            backlog = sum(s for _, s in self.queued)
            if backlog + size > self.queue_bytes:
                self.dropped += 1
                return None
            departure = max(self.free_at, now) + size * 8 / self.rate_bps
            self.free_at = departure
            heapq.heappush(self.queued, (departure, size))
            self.queue_delays.append(departure - now)
        self.packets += 1
        self.bytes += size
        extra = self.delay + (self.random.uniform(-self.jitter, self.jitter) if self.jitter else 0)
        return departure + max(0.0, extra)

    def summary(self):
        """Figures over the window since the last reset."""
        elapsed = time.monotonic() - self.started
        offered = self.packets + self.dropped + self.lost
        delays = sorted(self.queue_delays)

        def pct(p):
            return delays[min(len(delays) - 1, int(p * len(delays)))] * 1000 if delays else 0.0
        return {
            "seconds": elapsed,
            "packets": self.packets,
            "kbps": self.bytes * 8 / elapsed / 1000 if elapsed else 0.0,
            "utilization": (self.bytes * 8 / elapsed / self.rate_bps) if self.rate_bps and elapsed else None,
            "drop_percent": 100 * self.dropped / offered if offered else 0.0,
            "loss_percent": 100 * self.lost / offered if offered else 0.0,
            "queue_p50_ms": pct(0.50),
            "queue_p95_ms": pct(0.95),
        }


class Relay:
    """A relay on 127.0.0.1 with `uplink` (peer to target) and `downlink` (target to peer)."""

    def __init__(self, target_port=None, uplink=None, downlink=None):
        self.uplink = uplink or Link()
        self.downlink = downlink or Link()
        self.a = self._socket()
        self.backs = [self._socket()]
        self.port = self.a.getsockname()[1]
        self.dropping = False
        self.target = ("127.0.0.1", target_port) if target_port else None
        self.peer = None
        self.pending = []  # (due, n, socket, address, data)
        self.n = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    @staticmethod
    def _socket():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
        return s

    def set_target(self, port):
        self.target = ("127.0.0.1", port)

    @property
    def source_port(self):
        """The port the target sees the peer's datagrams come from."""
        return self.backs[-1].getsockname()[1]

    def switch(self):
        self.backs.append(self._socket())

    def blackhole(self):
        self.dropping = True

    def run(self):
        while self.running:
            now = time.monotonic()
            while self.pending and self.pending[0][0] <= now:
                _, _, sock, address, data = heapq.heappop(self.pending)
                try:
                    sock.sendto(data, address)
                except OSError:
                    pass
            timeout = max(0.0, self.pending[0][0] - now) if self.pending else 0.05
            readable, _, _ = select.select([self.a] + self.backs, [], [], min(timeout, 0.05))
            for sock in readable:
                while True:
                    try:
                        data, address = sock.recvfrom(65536)
                    except BlockingIOError:
                        break
                    now = time.monotonic()
                    media = len(data) > 1 and 128 <= data[0] < 192
                    if self.dropping:
                        continue
                    if sock is self.a:
                        self.peer = address
                        if self.target is None:
                            continue
                        due = self.uplink.admit(len(data), now, media)
                        out, to = self.backs[-1], self.target
                    else:
                        if self.peer is None:
                            continue
                        due = self.downlink.admit(len(data), now, media)
                        out, to = self.a, self.peer
                    if due is not None:
                        self.n += 1
                        heapq.heappush(self.pending, (due, self.n, out, to, data))

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        for s in [self.a] + self.backs:
            s.close()
