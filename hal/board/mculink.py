"""The actuator contract over a UART to the flight-control MCU (pyserial): framed messages with a CRC and
sequence numbers, link loss detected.

A frame is `A5 5A | type (1) | seq (2, LE) | length (1) | payload | CRC-16/CCITT-FALSE (2, LE)` with the CRC
over type, seq, length and payload. The host sends ACTUATORS (type 0x01, one per control cycle: t_ns u64, armed
u8, thrust f32 N, torque 3 x f32 N m). The MCU answers STATUS (0x81: the last sequence number it took u16,
flags u8 -- bit 0 armed, bit 1 rotors spinning, bit 2 fault -- and rotor speed f32 rpm). The receiver
resynchronises on the sync bytes; bad CRCs and sequence gaps are counted. With no STATUS for
`link_timeout_ms`, `write` raises DeviceError: the control process says so and lands on what it has.

pyserial opens the port and sets it up; the 500 Hz frames then go straight to its (non-blocking) file
descriptor: pyserial's own write and read wrap each call in timeout bookkeeping that cost more than the frame.
A frame the kernel's buffer cannot take is dropped and counted (`tx_dropped`): a late command is no use to the
MCU, whose watchdog covers one that never came.
"""
from __future__ import annotations

import binascii
import os
import select
import struct
from collections.abc import Callable
from dataclasses import dataclass

from fsw.bus.messages import ActuatorCommand
from hal.board.config import McuConfig
from hal.device import DeviceError

SYNC = b"\xa5\x5a"
TYPE_ACTUATORS, TYPE_STATUS = 0x01, 0x81
ACTUATORS = struct.Struct("<QBffff")
STATUS = struct.Struct("<HBf")
_HEADER = struct.Struct("<BHB")


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), in C: 500 frames a second each way."""
    return binascii.crc_hqx(data, 0xFFFF)


def frame(kind: int, seq: int, payload: bytes) -> bytes:
    body = _HEADER.pack(kind, seq & 0xFFFF, len(payload)) + payload
    return SYNC + body + struct.pack("<H", crc16(body))


@dataclass
class Parsed:
    kind: int
    seq: int
    payload: bytes


class FrameReader:
    """Bytes in, whole frames out; garbage and bad CRCs skipped and counted."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.crc_errors = 0
        self.skipped_bytes = 0

    def feed(self, data: bytes) -> list[Parsed]:
        self.buf += data
        out = []
        while True:
            start = self.buf.find(SYNC)
            if start < 0:
                self.skipped_bytes += max(0, len(self.buf) - 1)
                del self.buf[:max(0, len(self.buf) - 1)]
                return out
            self.skipped_bytes += start
            del self.buf[:start]
            if len(self.buf) < 2 + _HEADER.size:
                return out
            kind, seq, n = _HEADER.unpack_from(self.buf, 2)
            total = 2 + _HEADER.size + n + 2
            if len(self.buf) < total:
                return out
            body = bytes(self.buf[2:total - 2])
            if struct.unpack_from("<H", self.buf, total - 2)[0] != crc16(body):
                self.crc_errors += 1
                del self.buf[:2]  # resynchronise after this sync
                continue
            out.append(Parsed(kind, seq, body[_HEADER.size:]))
            del self.buf[:total]


class McuLink:
    name = "actuators"

    def __init__(self, port_factory: Callable[[], object], cfg: McuConfig, clock_ns: Callable[[], int]) -> None:
        self.port_factory = port_factory
        self.cfg = cfg
        self.clock_ns = clock_ns
        self.port = None
        self.reader = FrameReader()
        self.seq = 0
        self.statuses = 0
        self.status_gaps = 0
        self.last_status: tuple[int, int, float] | None = None  # (acknowledged seq, flags, rpm)
        self._last_heard_ns: int | None = None
        self._first_write_ns: int | None = None  # the MCU owes an answer from the first command on, not from open
        self._status_seq: int | None = None
        self._fd = -1
        self._unsent = b""  # the rest of a frame the kernel took only part of
        self.tx_dropped = 0

    @property
    def link_errors(self) -> int:
        """Frames from the MCU that failed their CRC."""
        return self.reader.crc_errors

    def open(self) -> None:
        self.port = self.port_factory()
        self._fd = self.port.fileno()
        os.set_blocking(self._fd, False)  # as pyserial opens it; said here, as this link relies on it
        self._first_write_ns = None

    def close(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None

    def write(self, command: ActuatorCommand) -> None:
        if self.port is None:
            raise DeviceError(self.name, self.cfg.port, "not open")
        if self._first_write_ns is None:
            self._first_write_ns = self.clock_ns()
        self.seq = (self.seq + 1) & 0xFFFF
        payload = ACTUATORS.pack(command.t_ns, int(command.armed), command.thrust_n, *command.torque_nm)
        try:
            self._send(frame(TYPE_ACTUATORS, self.seq, payload))
            self._take(self._received())
        except OSError as exc:
            raise DeviceError(self.name, self.cfg.port, f"UART: {exc.strerror or exc}") from None
        self._check_link()

    def poll(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the MCU's frames and take them (a status check between commands)."""
        if self.port is not None and select.select([self._fd], [], [], timeout_s)[0]:
            self._take(self._received())

    def _send(self, data: bytes) -> None:
        """`data` after what is left of the frames before; dropped (and counted) when the kernel takes none
        of it, or when more than a few frames' bytes are still owed (a UART that has stopped draining)."""
        if len(self._unsent) > 4 * len(data):
            self.tx_dropped += 1
            data = b""
        pending = self._unsent + data
        try:
            n = os.write(self._fd, pending)
        except BlockingIOError:
            self.tx_dropped += 1 if data else 0
            return
        self._unsent = pending[n:]

    def _received(self) -> bytes:
        try:
            return os.read(self._fd, 4096)
        except BlockingIOError:
            return b""

    def _take(self, data: bytes) -> None:
        for f in self.reader.feed(data):
            if f.kind != TYPE_STATUS or len(f.payload) != STATUS.size:
                continue
            if self._status_seq is not None and f.seq != (self._status_seq + 1) & 0xFFFF:
                self.status_gaps += 1
            self._status_seq = f.seq
            self.last_status = STATUS.unpack(f.payload)
            self.statuses += 1
            self._last_heard_ns = self.clock_ns()

    def _check_link(self) -> None:
        since = self._last_heard_ns if self._last_heard_ns is not None else self._first_write_ns
        silent_ms = (self.clock_ns() - since) / 1e6
        if silent_ms > self.cfg.link_timeout_ms:
            raise DeviceError(self.name, self.cfg.port,
                              f"flight-control MCU link lost: no status for {silent_ms:.0f} ms")
