"""The flight log format (pure): self-describing, append-only, crash-safe.

A log is `FILE_MAGIC` followed by records, each framed as

    REC_MAGIC (4 bytes) | length (u32, little-endian) | CRC-32 of the payload (u32) | payload (msgpack)

and each payload is `[kind, topic, t_ns, body]`. The first record is the HEADER (the format version, the
software version, the config flown and every topic's schema: class, field names, schema version), so a log
reads without the code that wrote it. MESSAGE bodies are the bus's own encoded message headers (decoded with
the topic's codec); GAP records say how many messages a publisher's sequence numbers show were lost; IMAGE
records name an image file written beside the log; SYNC records, written at every flush, say how many
records came before (a reader can tell how much a damaged stretch lost).

Reading never trusts the bytes: a record whose magic, length or CRC is wrong is skipped up to the next
record magic and reported; a log cut at any byte (kill -9, power loss) reads back up to its last complete
record, and the cut is reported as the torn tail.
"""
from __future__ import annotations

import enum
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack

FILE_MAGIC = b"GINNYLG1"
REC_MAGIC = b"\xa5\x5aGR"
FRAME = struct.Struct("<4sII")
FORMAT_VERSION = 1
MAX_RECORD_BYTES = 16 * 1024 * 1024


class Kind(enum.IntEnum):
    HEADER = 0
    MESSAGE = 1
    GAP = 2
    IMAGE = 3
    SYNC = 4


class NotALog(ValueError):
    pass


def frame(kind: Kind, topic: str, t_ns: int, body: Any) -> bytes:
    """One record, framed, ready to append."""
    payload = msgpack.packb([int(kind), topic, int(t_ns), body], use_bin_type=True)
    return FRAME.pack(REC_MAGIC, len(payload), zlib.crc32(payload)) + payload


@dataclass(frozen=True)
class Record:
    kind: Kind
    topic: str
    t_ns: int
    body: Any
    offset: int  # where in the file the record starts


@dataclass
class ReadReport:
    records: int = 0
    skipped: list[tuple[int, int]] = field(default_factory=list)  # (offset, bytes) of damaged stretches
    torn_tail_bytes: int = 0  # an incomplete last record (the log was cut while writing it)
    header: dict | None = None

    @property
    def clean(self) -> bool:
        return not self.skipped and self.torn_tail_bytes == 0


def read_records(data: bytes, report: ReadReport | None = None) -> Iterator[Record]:
    """Every intact record of a log's bytes, in order; damage goes into `report`."""
    report = report if report is not None else ReadReport()
    if len(data) < len(FILE_MAGIC) and FILE_MAGIC.startswith(bytes(data)):
        report.torn_tail_bytes = len(data)  # cut before its first record
        return
    if not data.startswith(FILE_MAGIC):
        raise NotALog("not a ginny flight log (no GINNYLG1 magic at its start)")
    pos, size = len(FILE_MAGIC), len(data)
    while pos < size:
        record, end = _record_at(data, pos)
        if record is not None:
            report.records += 1
            if record.kind is Kind.HEADER and report.header is None:
                report.header = record.body
            yield record
            pos = end
            continue
        nxt = data.find(REC_MAGIC, pos + 1)
        if end == -1 and nxt == -1:  # nothing valid after it: a record cut short at the end
            report.torn_tail_bytes = size - pos
            return
        nxt = size if nxt == -1 else nxt
        report.skipped.append((pos, nxt - pos))
        pos = nxt


def _record_at(data: bytes, pos: int) -> tuple[Record | None, int]:
    """The record at `pos` and where it ends; (None, -1) if it runs past the data, (None, 0) if damaged."""
    if len(data) - pos < FRAME.size:
        return None, -1 if REC_MAGIC.startswith(bytes(data[pos:pos + 4])[:len(data) - pos]) else 0
    magic, length, crc = FRAME.unpack_from(data, pos)
    if magic != REC_MAGIC or length > MAX_RECORD_BYTES:
        return None, 0
    start, end = pos + FRAME.size, pos + FRAME.size + length
    if end > len(data):
        return None, -1
    payload = bytes(data[start:end])
    if zlib.crc32(payload) != crc:
        return None, 0
    try:
        kind, topic, t_ns, body = msgpack.unpackb(payload, raw=False, strict_map_key=False)
        return Record(Kind(kind), str(topic), int(t_ns), body, pos), end
    except (ValueError, TypeError, msgpack.UnpackException):
        return None, 0


def read_log(path: str | Path) -> tuple[list[Record], ReadReport]:
    """A whole log file: its intact records and what was damaged."""
    report = ReadReport()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise NotALog(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return list(read_records(data, report)), report
    except NotALog as exc:
        raise NotALog(f"{path}: {exc}") from None
