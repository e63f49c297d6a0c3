"""F Prime's packets as the vehicle reads and writes them (pure): commands in; events, channels and files out.

A packet starts with its descriptor (FwPacketDescriptorType, U16: 0 command, 1 telemetry, 2 event, 3 file), then
the body, big-endian, with F Prime v4's framework types (dictionary.ALIASES): opcodes and ids U32, string lengths
U16, time as base U16, context U8, seconds U32, microseconds U32; a bool is one byte, 0xFF true and 0 false.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from fsw.comm.fprime.catalogue import Catalogue, Enum, FChannel, FCommand, FEvent, FType, Str

COMMAND, TELEM, LOG, FILE = 0, 1, 2, 3
TIME_BASE = 1  # TB_PROC_TIME: the vehicle's flight clock (seconds since the flight software started)
_PRIMITIVE = {"U8": ">B", "U16": ">H", "U32": ">I", "U64": ">Q", "I8": ">b", "I16": ">h", "I32": ">i",
              "I64": ">q", "F32": ">f", "F64": ">d"}
_TRUE, _FALSE = 0xFF, 0x00
_FILE_START, _FILE_DATA, _FILE_END = 0, 1, 2


class PacketError(ValueError):
    """An uplinked packet that cannot be taken; `opcode` when it got that far."""

    def __init__(self, reason: str, opcode: int | None = None) -> None:
        super().__init__(reason)
        self.opcode = opcode


def time_tag(t_ns: int) -> bytes:
    s, ns = divmod(max(0, t_ns), 1_000_000_000)
    return struct.pack(">HBII", TIME_BASE, 0, s & 0xFFFFFFFF, ns // 1000)


def encode_value(t: FType, v: Any) -> bytes:
    """One value as F Prime serialises it; ValueError (or struct.error) when it does not fit the type."""
    if isinstance(t, Str):
        raw = str(v).encode()[:t.size]
        raw = raw.decode(errors="ignore").encode()  # never a cut character
        return struct.pack(">H", len(raw)) + raw
    if isinstance(t, Enum):
        return struct.pack(_PRIMITIVE[t.rep], t.value(v) if isinstance(v, str) else int(v))
    if t == "bool":
        if not isinstance(v, bool):
            raise ValueError(f"{v!r} is not a bool")
        return bytes((_TRUE if v else _FALSE,))
    if t.startswith("F"):
        return struct.pack(_PRIMITIVE[t], float(v))
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{v!r} is not an integer")
    return struct.pack(_PRIMITIVE[t], v)


def decode_value(t: FType, data: bytes, at: int) -> tuple[Any, int]:
    """The value at `at` and where the next one starts; PacketError saying what is wrong."""
    if isinstance(t, Str):
        n, = _unpack(">H", data, at)
        if n > t.size:
            raise PacketError(f"a string of {n} bytes (at most {t.size})")
        raw = data[at + 2:at + 2 + n]
        if len(raw) < n:
            raise PacketError(f"a string of {n} bytes, {len(raw)} sent")
        try:
            return raw.decode(), at + 2 + n
        except UnicodeDecodeError:
            raise PacketError("a string that is not UTF-8") from None
    if isinstance(t, Enum):
        number, = _unpack(_PRIMITIVE[t.rep], data, at)
        try:
            return t.name_of(number), at + struct.calcsize(_PRIMITIVE[t.rep])
        except ValueError:
            raise PacketError(f"{number} is not a value of {t.qualified}") from None
    if t == "bool":
        b, = _unpack(">B", data, at)
        if b not in (_TRUE, _FALSE):
            raise PacketError(f"a bool of 0x{b:02x} (0xFF or 0)")
        return b == _TRUE, at + 1
    v, = _unpack(_PRIMITIVE[t], data, at)
    return v, at + struct.calcsize(_PRIMITIVE[t])


def _unpack(fmt: str, data: bytes, at: int) -> tuple:
    if at + struct.calcsize(fmt) > len(data):
        raise PacketError(f"the packet ends at byte {len(data)}, in the middle of a value")
    return struct.unpack_from(fmt, data, at)


def decode_command(packet: bytes, cat: Catalogue) -> tuple[FCommand, dict[str, Any]]:
    """A command packet's command and arguments (by name); PacketError naming what is wrong."""
    if len(packet) < 6:
        raise PacketError(f"{len(packet)} bytes: too short for a command packet")
    descriptor, opcode = struct.unpack_from(">HI", packet)
    if descriptor != COMMAND:
        raise PacketError(f"descriptor {descriptor} is not a command's ({COMMAND})")
    cmd = cat.by_opcode.get(opcode)
    if cmd is None:
        raise PacketError(f"opcode 0x{opcode:x} is not in the dictionary", opcode)
    args, at = dict(cmd.fixed), 6
    for p in cmd.params:
        try:
            args[p.name], at = decode_value(p.type, packet, at)
        except PacketError as exc:
            raise PacketError(f"{cmd.full_name} argument {p.name}: {exc}", opcode) from None
    if at != len(packet):
        raise PacketError(f"{cmd.full_name}: {len(packet) - at} byte(s) after the last argument", opcode)
    return cmd, args


def encode_command(cmd: FCommand, args: dict[str, Any]) -> bytes:
    """A command packet (what fprime-gds sends; for tests and tools)."""
    return struct.pack(">HI", COMMAND, cmd.opcode) + b"".join(encode_value(p.type, args[p.name]) for p in cmd.params)


def event_packet(ev: FEvent, t_ns: int, values: tuple) -> bytes:
    body = b"".join(encode_value(p.type, v) for p, v in zip(ev.params, values, strict=True))
    return struct.pack(">HI", LOG, ev.id) + time_tag(t_ns) + body


def channel_packet(entries: list[tuple[FChannel, Any]], t_ns: int) -> bytes:
    """Several channels in one packet (fprime-gds reads id, time, value repeatedly to the packet's end)."""
    tag = time_tag(t_ns)
    return struct.pack(">H", TELEM) + b"".join(struct.pack(">I", c.id) + tag + encode_value(c.type, v)
                                              for c, v in entries)


@dataclass
class FileDownlink:
    """One file going down as F Prime file packets: START, DATA ..., END (with the file's CFDP checksum), each
    with the next sequence number, as F Prime's FileDownlink sends them."""
    path: str
    size: int
    seq: int = 0
    checksum: int = 0

    def packets(self, offset: int, data: bytes, done: bool, most: int) -> list[bytes]:
        """The packets for one chunk of the file; DATA packets of at most `most` bytes."""
        out = []
        if self.seq == 0:
            name = self.path.encode()[:255]
            out.append(struct.pack(">HBII", FILE, _FILE_START, self._next(), self.size) + bytes((len(name),)) + name
                       + bytes((len(name),)) + name)
        for i in range(0, len(data), most):
            part = data[i:i + most]
            self.checksum = cfdp_checksum(self.checksum, offset + i, part)
            out.append(struct.pack(">HBIIH", FILE, _FILE_DATA, self._next(), offset + i, len(part)) + part)
        if done:
            out.append(struct.pack(">HBII", FILE, _FILE_END, self._next(), self.checksum))
        return out

    def _next(self) -> int:
        self.seq += 1
        return self.seq - 1


def cfdp_checksum(value: int, offset: int, data: bytes) -> int:
    """F Prime's file checksum (CFDP's): the data as big-endian 32-bit words aligned to their offset in the file,
    summed modulo 2^32; fold each chunk in as it goes down."""
    for i, b in enumerate(data):
        value = (value + (b << (8 * (3 - (offset + i) % 4)))) & 0xFFFFFFFF
    return value
