"""The two framings fprime-gds speaks on its IP adapter, on the vehicle's side (pure):

- `fprime`: F Prime's own: start word 0xDEADBEEF, U32 size, the packet, CRC-32 of all before it; both ways.
- `space-packet-space-data-link` (F Prime v4's default): each packet in a CCSDS space packet (its APID the packet's
  descriptor); uplink space packets each in a TC transfer frame (5-byte header, CRC-16 CCITT), downlink a stream of
  space packets cut into fixed-size TM transfer frames (6-byte header with the first header pointer, CRC-16),
  the last frame of a batch filled with an idle packet (APID 0x7FF).

A deframer takes the byte stream as it comes (`feed`) and returns whole packets; whatever it cannot use it skips a
byte at a time until a frame starts again, counting the bytes (fprime-gds's keepalive, a corrupted frame).
"""
from __future__ import annotations

import binascii
import struct
import zlib
from dataclasses import dataclass, field

FRAMINGS = ("fprime", "space-packet-space-data-link")
START_WORD = 0xDEADBEEF
IDLE_APID = 0x7FF
_TC_HEADER, _TM_HEADER, _CRC16, _SP_HEADER = 5, 6, 2, 6


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), the TC and TM frames' error control field."""
    return binascii.crc_hqx(data, 0xFFFF)


@dataclass
class DeframeStats:
    packets: int = 0
    bytes_discarded: int = 0  # skipped while looking for a frame (keepalives, noise)
    bad_checks: int = 0  # frames whose CRC did not match
    bad_frames: int = 0  # frames whose CRC matched but whose content was not one whole packet


def fprime_frame(packet: bytes) -> bytes:
    head = struct.pack(">II", START_WORD, len(packet)) + packet
    return head + struct.pack(">I", zlib.crc32(head))


@dataclass
class FprimeDeframer:
    max_packet: int
    stats: DeframeStats = field(default_factory=DeframeStats)
    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out = []
        while len(self._buf) >= 12:
            start, size = struct.unpack_from(">II", self._buf)
            if start != START_WORD or size > self.max_packet:
                self._skip()
                continue
            if len(self._buf) < size + 12:
                break
            check, = struct.unpack_from(">I", self._buf, 8 + size)
            if check != zlib.crc32(self._buf[:8 + size]):
                self.stats.bad_checks += 1
                self._skip()
                continue
            out.append(bytes(self._buf[8:8 + size]))
            del self._buf[:size + 12]
        self.stats.packets += len(out)
        return out

    def _skip(self) -> None:
        """Drop up to the next byte that could start a frame."""
        at = self._buf.find(b"\xde\xad\xbe\xef", 1)
        n = at if at > 0 else max(1, len(self._buf) - 3)
        del self._buf[:n]
        self.stats.bytes_discarded += n


def space_packet(apid: int, seq: int, data: bytes, telecommand: bool = False) -> bytes:
    word1 = (int(telecommand) << 12) | (apid & 0x7FF)
    return struct.pack(">HHH", word1, 0xC000 | (seq & 0x3FFF), len(data) - 1) + data


@dataclass
class TcDeframer:
    """TC transfer frames, each one space packet, from the byte stream fprime-gds sends."""
    scid: int
    vcid: int
    stats: DeframeStats = field(default_factory=DeframeStats)
    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out = []
        while len(self._buf) >= _TC_HEADER + _CRC16:
            w1, w2 = struct.unpack_from(">HH", self._buf)
            size = (w2 & 0x3FF) + 1
            if w1 >> 14 != 0 or w1 & 0x3FF != self.scid or w2 >> 10 != self.vcid or size < _TC_HEADER + _CRC16:
                self._skip()
                continue
            if len(self._buf) < size:
                break
            frame = bytes(self._buf[:size])
            if struct.unpack_from(">H", frame, size - 2)[0] != crc16(frame[:-2]):
                self.stats.bad_checks += 1
                self._skip()
                continue
            del self._buf[:size]
            packet = _space_packet_data(frame[_TC_HEADER:-2])
            if packet is None:
                self.stats.bad_frames += 1
            else:
                out.append(packet)
        self.stats.packets += len(out)
        return out

    def _skip(self) -> None:
        del self._buf[:1]
        self.stats.bytes_discarded += 1


def _space_packet_data(sp: bytes) -> bytes | None:
    """The data of one whole telecommand space packet, or None when it is not one."""
    if len(sp) < _SP_HEADER + 1:
        return None
    w1, _, length = struct.unpack_from(">HHH", sp)
    if w1 >> 13 != 0 or not w1 & 0x1000 or len(sp) != _SP_HEADER + length + 1:
        return None
    return sp[_SP_HEADER:]


@dataclass
class TmFramer:
    """Downlink packets as space packets in fixed-size TM transfer frames."""
    scid: int
    vcid: int
    frame_bytes: int
    _mc: int = 0
    _vc: int = 0
    _seq: dict[int, int] = field(default_factory=dict)

    def frames(self, packets: list[bytes]) -> bytes:
        """The packets (each an F Prime packet: its first two bytes the descriptor, the space packet's APID) in as
        many whole frames as they take."""
        room = self.frame_bytes - _TM_HEADER - _CRC16
        stream, starts = bytearray(), []
        for p in packets:
            apid = struct.unpack_from(">H", p)[0]
            starts.append(len(stream))
            stream += space_packet(apid, self._next_seq(apid), p)
        fill = -len(stream) % room
        if not fill and starts and starts[-1] < len(stream) - room:
            fill = room  # a last frame with no packet start: fprime-gds would hold its packet until the next one
        if fill:
            fill += room if fill < _SP_HEADER + 1 else 0  # an idle packet needs 7 bytes: spill into one more frame
            starts.append(len(stream))
            stream += space_packet(IDLE_APID, self._next_seq(IDLE_APID), bytes(fill - _SP_HEADER))
        return b"".join(self._frame(bytes(stream[k:k + room]), next((s - k for s in starts if k <= s < k + room), 0x7FF))
                        for k in range(0, len(stream), room))

    def _frame(self, data: bytes, first_header: int) -> bytes:
        head = struct.pack(">HBBH", (self.scid & 0x3FF) << 4 | (self.vcid & 0x7) << 1, self._mc, self._vc,
                           0x1800 | first_header)
        self._mc = self._vc = (self._mc + 1) % 256
        body = head + data
        return body + struct.pack(">H", crc16(body))

    def _next_seq(self, apid: int) -> int:
        n = self._seq.get(apid, 0)
        self._seq[apid] = (n + 1) % 16384
        return n


def tc_frame(scid: int, vcid: int, seq: int, packet: bytes) -> bytes:
    """A command packet in a space packet in a TC frame, as fprime-gds sends it (for tests and the fuzzer)."""
    sp = space_packet(struct.unpack_from(">H", packet)[0], seq, packet, telecommand=True)
    head = struct.pack(">HHB", 1 << 13 | (scid & 0x3FF), (vcid & 0x3F) << 10 | (len(sp) + _TC_HEADER + _CRC16 - 1),
                       seq & 0xFF)
    return head + sp + struct.pack(">H", crc16(head + sp))
