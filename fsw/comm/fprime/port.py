"""The comm process's door for fprime-gds: one TCP connection, F Prime packets framed as configured.

As a server (the default) it listens on `address:port` (loopback unless configured) and fprime-gds connects to it
with `--ip-client`; as a client it connects to fprime-gds's own server (F Prime's reference deployment's way),
trying again every second. F Prime's link has no authentication: whoever reaches the port can command the
vehicle, which is why the port is off unless configured and says so in an event when it opens.
"""
from __future__ import annotations

import errno
import socket
from typing import Callable

from fsw.comm.fprime.framing import DeframeStats, FprimeDeframer, TcDeframer, TmFramer, fprime_frame
from fsw.config.stack import FprimeConfig

_OVERHEAD = {"fprime": 12, "space-packet-space-data-link": 13}  # framing bytes around an uplink packet
_MAX_OUTBOX = 1 << 20  # bytes waiting for a slow ground; beyond this, new packets are dropped (and counted)
Watch = Callable[[int, Callable[[], None]], None]


class FprimePort:
    def __init__(self, cfg: FprimeConfig, max_packet: int, watch: Watch, unwatch: Callable[[int], None],
                 on_packet: Callable[[bytes, int], None]) -> None:
        self.cfg = cfg
        self.max_packet = max_packet
        self._watch, self._unwatch, self._on_packet = watch, unwatch, on_packet
        self.listener: socket.socket | None = None
        self.conn: socket.socket | None = None
        self._pending: socket.socket | None = None  # client mode: a connect under way
        self._outbox = bytearray()
        self.stats = DeframeStats()  # over every connection
        self.connections = self.bytes_in = self.bytes_out = self.packets_down = self.dropped_down = 0
        self._new_link()

    def _new_link(self) -> None:
        """Fresh framing state for each connection (frame counters, half-read frames)."""
        if self.cfg.framing == "fprime":
            self.deframer: FprimeDeframer | TcDeframer = FprimeDeframer(self.max_packet, self.stats)
            self.tm: TmFramer | None = None
        else:
            self.deframer = TcDeframer(self.cfg.spacecraft_id, self.cfg.vcid, self.stats)
            self.tm = TmFramer(self.cfg.spacecraft_id, self.cfg.vcid, self.cfg.tm_frame_bytes)

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
        s.listen(1)
        s.setblocking(False)
        self.listener = s
        self._watch(s.fileno(), self._accept)  # the poller answers with file descriptors

    def retry(self) -> None:
        """Client mode: connect if not connected (called every second; the connect never blocks the loop)."""
        if self.cfg.mode != "client" or self.conn is not None:
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
        if self.conn is not None:  # one ground at a time: the newest wins (a restarted fprime-gds)
            self._drop()
        self._take(s)

    def _take(self, s: socket.socket) -> None:
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = s
        self.connections += 1
        self._new_link()
        self._watch(s.fileno(), self._read)

    def _read(self) -> None:
        if self.conn is None:
            return
        try:
            data = self.conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop()
            return
        self.bytes_in += len(data)
        for packet in self.deframer.feed(data):
            self._on_packet(packet, len(packet) + self.overhead)

    def send(self, packets: list[bytes]) -> None:
        """Frame and send downlink packets; nothing when no ground is connected."""
        if self.conn is None:
            return
        if not packets:
            self.flush()
            return
        raw = self.tm.frames(packets) if self.tm is not None else b"".join(fprime_frame(p) for p in packets)
        if len(self._outbox) + len(raw) > _MAX_OUTBOX:
            self.dropped_down += len(packets)
        else:
            self._outbox += raw
            self.packets_down += len(packets)
        self.flush()

    def flush(self) -> None:
        while self._outbox and self.conn is not None:
            try:
                n = self.conn.send(self._outbox)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno != errno.EINTR:
                    self._drop()
                return
            self.bytes_out += n
            del self._outbox[:n]

    def _drop(self) -> None:
        if self.conn is not None:
            self._unwatch(self.conn.fileno())
            self.conn.close()
            self.conn = None
        self._outbox.clear()

    def close(self) -> None:
        self._drop()
        if self._pending is not None:
            self._pending.close()
        if self.listener is not None:
            self._unwatch(self.listener.fileno())
            self.listener.close()
            self.listener = None
