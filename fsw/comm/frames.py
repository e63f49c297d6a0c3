"""The ground link's frames as types (pure), one schema for both ends: the vehicle builds its downlink frames from
these classes, and a ground station reads every frame it receives back into them, checking each field's type,
so neither end compares dicts with string literals (docs/ground-link.md describes the same fields).

On the wire a frame is a msgpack map: `v`, `type` (the class's TYPE) and its fields; a field left None is not
sent (the `state` frame's navigation fields before navigation runs).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

from fsw.comm.protocol import FrameError

Number = float  # an int is a number too (msgpack keeps 1.0 and 1 apart; a client may send either)


@dataclass(frozen=True)
class Frame:
    TYPE: ClassVar[str] = ""

    def to_wire(self) -> dict[str, Any]:
        """The frame as the map sent (without `v`, which protocol.encode adds)."""
        out: dict[str, Any] = {"type": self.TYPE}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class UplinkHeartbeat(Frame):
    TYPE: ClassVar[str] = "hb"
    t: Number  # the sender's clock, s


@dataclass(frozen=True)
class Ack(Frame):
    TYPE: ClassVar[str] = "ack"
    id: int
    name: str
    result: str
    reason: str


@dataclass(frozen=True)
class EventFrame(Frame):
    TYPE: ClassVar[str] = "event"
    seq: int
    t_ns: int
    source: str
    name: str
    severity: str
    text: str
    suppressed: int


@dataclass(frozen=True)
class State(Frame):
    TYPE: ClassVar[str] = "state"
    seq: int
    mode: str
    link: dict
    t_ns: int | None = None  # the navigation estimate, once navigation runs
    pos_m: list | None = None
    vel_mps: list | None = None
    att_deg: list | None = None
    altitude_m: Number | None = None
    height_m: Number | None = None
    valid: bool | None = None
    vision: str | None = None
    pos_std_m: Number | None = None
    features: int | None = None  # the tracker's last frame
    inliers: int | None = None
    tracker_ms: Number | None = None
    latency_ms: Number | None = None
    frame_seq: int | None = None


@dataclass(frozen=True)
class Tlm(Frame):
    TYPE: ClassVar[str] = "tlm"
    t_ns: int
    source: str
    channels: dict


@dataclass(frozen=True)
class Image(Frame):
    TYPE: ClassVar[str] = "image"
    kind: str
    seq: int
    t_ns: int
    width: int
    height: int
    jpeg: bytes


@dataclass(frozen=True)
class FileChunk(Frame):
    TYPE: ClassVar[str] = "file"
    id: int
    path: str
    offset: int
    size: int
    data: bytes
    done: bool


@dataclass(frozen=True)
class Heartbeat(Frame):
    TYPE: ClassVar[str] = "hb"
    t_ns: int
    link: dict


@dataclass(frozen=True)
class Error(Frame):
    TYPE: ClassVar[str] = "error"
    kind: str
    reason: str
    size: int
    digest: str

    @classmethod
    def of(cls, exc: FrameError, raw: bytes) -> "Error":
        """What answers an uplink frame refused without a command id: what was wrong, and which frame it was (its
        size, and the first 8 bytes of its SHA-256, which the sender can compute for what it sent)."""
        return cls(exc.kind, str(exc), len(raw), hashlib.sha256(raw).hexdigest()[:16])


DOWNLINK: dict[str, type[Frame]] = {c.TYPE: c for c in (Ack, EventFrame, State, Tlm, Image, FileChunk, Heartbeat,
                                                         Error)}
_KINDS: dict[Any, tuple[type, ...]] = {int: (int,), Number: (int, float), str: (str,), bool: (bool,),
                                       bytes: (bytes,), dict: (dict,), list: (list,)}


def parse_downlink(frame: dict[str, Any]) -> Frame:
    """A decoded downlink map (protocol.decode) as its frame type; FrameError naming the field that is missing
    or of the wrong type. Fields this version does not know are left out."""
    cls = DOWNLINK.get(frame.get("type"))
    if cls is None:
        raise FrameError("type", f"{frame.get('type')!r} is not a downlink frame")
    values = {}
    for name, kinds, optional in _schema(cls):
        value = frame.get(name)
        if value is None and optional:
            values[name] = None
            continue
        if value is None or not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise FrameError("field", f"a {cls.TYPE} frame's {name} must be {kinds[-1].__name__}, got {value!r}")
        values[name] = value
    return cls(**values)


@functools.lru_cache(maxsize=None)
def _schema(cls: type[Frame]) -> tuple[tuple[str, tuple[type, ...], bool], ...]:
    """Each field of a frame type: its name, the wire types it takes, and whether it may be left out."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        optional = f.default is None
        out.append((f.name, _KINDS[typing.get_args(hints[f.name])[0] if optional else hints[f.name]], optional))
    return tuple(out)
