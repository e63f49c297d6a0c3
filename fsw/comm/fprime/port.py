"""The comm process's door for fprime-gds: TCP connections carrying F Prime packets, framed as configured.

As a server (the default) it listens on `address:port` (loopback unless configured) and fprime-gds connects to it
with `--ip-client`; up to MAX_GROUNDS connect at once (a restarted fprime-gds, a fuzzer beside it), each with its
own framing state, and every packet going down goes to each. As a client it connects to fprime-gds's own server
(F Prime's reference deployment's way), trying again every second without blocking the loop. F Prime's link has
no authentication: whoever reaches the port can command the vehicle, which is why the door is off unless
configured and says so in an event when it opens.
"""
from __future__ import annotations

import errno
import socket
from typing import Callable

from fsw.comm.fprime.framing import DeframeStats, FprimeDeframer, TcDeframer, TmFramer, fprime_frame
from fsw.config.stack import FprimeConfig

MAX_GROUNDS = 4
_OVERHEAD = {"fprime": 12, "space-packet-space-data-link": 13}  # framing bytes around an uplink packet
_MAX_OUTBOX = 1 << 20  # bytes waiting for a slow ground; beyond this, its new packets are dropped (and counted)
Watch = Callable[[int, Callable[[], None]], None]


class Connection:
    """One ground's TCP connection: its deframer, its TM framer (CCSDS), what waits to be sent to it."""

    def __init__(self, sock: socket.socket, cfg: FprimeConfig, max_packet: int, stats: DeframeStats) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.outbox = bytearray()
        if cfg.framing == "fprime":
            self.deframer: FprimeDeframer | TcDeframer = FprimeDeframer(max_packet, stats)
            self.tm: TmFramer | None = None
        else:
            self.deframer = TcDeframer(cfg.spacecraft_id, cfg.vcid, stats)
            self.tm = TmFramer(cfg.spacecraft_id, cfg.vcid, cfg.tm_frame_bytes)

    def frame(self, packets: list[bytes]) -> bytes:
        return self.tm.frames(packets) if self.tm is not None else b"".join(fprime_frame(p) for p in packets)


class FprimePort:
    def __init__(self, cfg: FprimeConfig, max_packet: int, watch: Watch, unwatch: Callable[[int], None],
                 on_packet: Callable[[bytes, int], None],
                 on_connect: Callable[[str], None] = lambda where: None) -> None:
        self.cfg = cfg
        self._on_connect = on_connect
        self.max_packet = max_packet
        self._watch, self._unwatch, self._on_packet = watch, unwatch, on_packet
        self.listener: socket.socket | None = None
        self.grounds: list[Connection] = []
        self._pending: socket.socket | None = None  # client mode: a connect under way
        self.stats = DeframeStats()  # over every connection
        self.connections = self.refused = self.bytes_in = self.bytes_out = self.packets_down = self.dropped_down = 0

    @property
    def where(self) -> str:
        return f"{self.cfg.address}:{self.cfg.port}"

    @property
    def overhead(self) -> int:
        return _OVERHEAD[self.cfg.framing]

    def open(self) -> None:
        """Listen (server), or make the first attempt to connect (client); OSError if the port cannot be had."""
        if self.cfg.mode == "client":
            self.retry()
            return
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.cfg.address, self.cfg.port))
        s.listen(MAX_GROUNDS)
        s.setblocking(False)
        self.listener = s
        self._watch(s.fileno(), self._accept)  # the poller answers with file descriptors

    def retry(self) -> None:
        """Client mode: connect if not connected (called every second; the connect never blocks the loop)."""
        if self.cfg.mode != "client" or self.grounds:
            return
        s = self._pending
        if s is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((self.cfg.address, self.cfg.port))
            if err not in (0, errno.EINPROGRESS):
                s.close()
                return
            self._pending = s
        try:
            s.getpeername()
        except OSError:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):  # refused: a new attempt next time
                s.close()
                self._pending = None
            return
        self._pending = None
        self._take(s)

    def _accept(self) -> None:
        try:
            s, _ = self.listener.accept()
        except OSError:
            return
        if len(self.grounds) >= MAX_GROUNDS:
            self.refused += 1
            s.close()
            return
        self._take(s)

    def _take(self, s: socket.socket) -> None:
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = Connection(s, self.cfg, self.max_packet, self.stats)
        self.grounds.append(c)
        self.connections += 1
        self._watch(c.fd, lambda: self._read(c))
        try:
            host, port = s.getpeername()[:2]
        except OSError:
            host, port = "?", 0
        self._on_connect(f"{host}:{port}")

    def _read(self, c: Connection) -> None:
        if c not in self.grounds:
            return
        try:
            data = c.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(c)
            return
        self.bytes_in += len(data)
        for packet in c.deframer.feed(data):
            self._on_packet(packet, len(packet) + self.overhead)

    def send(self, packets: list[bytes]) -> None:
        """Frame downlink packets for each ground and send what its socket takes."""
        for c in list(self.grounds):
            if packets:
                raw = c.frame(packets)
                if len(c.outbox) + len(raw) > _MAX_OUTBOX:
                    self.dropped_down += len(packets)
                else:
                    c.outbox += raw
                    self.packets_down += len(packets)
            self._flush(c)

    def _flush(self, c: Connection) -> None:
        while c.outbox:
            try:
                n = c.sock.send(c.outbox)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno != errno.EINTR:
                    self._drop(c)
                return
            self.bytes_out += n
            del c.outbox[:n]

    def _drop(self, c: Connection) -> None:
        if c in self.grounds:
            self.grounds.remove(c)
            self._unwatch(c.fd)
            c.sock.close()

    def close(self) -> None:
        for c in list(self.grounds):
            self._drop(c)
        if self._pending is not None:
            self._pending.close()
        if self.listener is not None:
            self._unwatch(self.listener.fileno())
            self.listener.close()
            self.listener = None
