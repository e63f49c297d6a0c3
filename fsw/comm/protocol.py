"""The ground link's frames (pure): one msgpack map per ZeroMQ frame, both ways.

Uplink (ground -> vehicle): `hb` (heartbeat) and `cmd` (a command with the ground's own id). Downlink
(vehicle -> ground): `hb`, `ack`, `event`, `state` (essential telemetry), `tlm` (a process's channels),
`image` (JPEG thumbnails and colour captures), `file` (a chunk of a downlinked file) and `error` (a frame that
could not be taken and had no command id, said once, naming the frame by size and digest). docs/ground-link.md
is the full description.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

PROTOCOL_VERSION = 1
MAX_CMD_ID = 2**53 - 1  # ids are exact in every language's numbers (JavaScript included)
UPLINK_TYPES = ("hb", "cmd")
DOWNLINK_TYPES = ("hb", "ack", "event", "state", "tlm", "image", "file", "error")


class FrameError(ValueError):
    """An uplink frame that cannot be taken; `kind` is one of oversized, malformed, type, field."""

    def __init__(self, kind: str, reason: str, cmd_id: int | None = None) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.cmd_id = cmd_id  # known when only the command's body was wrong: the error is then acknowledged


@dataclass(frozen=True)
class CommandFrame:
    cmd_id: int
    name: str
    args: dict[str, Any]
    target: str  # for commands every process handles (NO_OP): which one; "" = comm

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "cmd", "id": self.cmd_id, "name": self.name, "args": self.args}
        if self.target:
            out["target"] = self.target
        return out


def encode(frame: dict[str, Any]) -> bytes:
    return msgpack.packb({"v": PROTOCOL_VERSION, **frame}, use_bin_type=True)


def decode(raw: bytes, max_bytes: int) -> dict[str, Any]:
    """A frame as a map with a known `type`; raises FrameError saying what is wrong (with the command's id
    when it has a valid one, even when the frame is too big to take: its answer is then an `ack`)."""
    if len(raw) > max_bytes:
        raise oversized(raw, max_bytes)
    try:
        frame = msgpack.unpackb(raw, raw=False, strict_map_key=True, max_bin_len=max_bytes, max_str_len=max_bytes)
    except Exception as exc:  # msgpack raises several types for bad bytes
        raise FrameError("malformed", f"not msgpack: {type(exc).__name__}") from None
    if not isinstance(frame, dict):
        raise FrameError("malformed", f"a frame is a map, got {type(frame).__name__}")
    if frame.get("v") != PROTOCOL_VERSION:
        raise FrameError("malformed", f"protocol version {frame.get('v')!r}, expected {PROTOCOL_VERSION}")
    if frame.get("type") not in UPLINK_TYPES + DOWNLINK_TYPES:
        raise FrameError("type", f"unknown frame type {frame.get('type')!r}")
    return frame


def oversized(raw: bytes, max_bytes: int) -> FrameError:
    """The error for a frame over `max_bytes`, with the command's id when it has a valid one (its answer is
    then an `ack`); the caller bounds how far over it may be."""
    return FrameError("oversized", f"frame of {len(raw)} bytes is over the limit of {max_bytes}",
                      _peek_command_id(raw))


def _valid_id(cmd_id: Any) -> bool:
    return isinstance(cmd_id, int) and not isinstance(cmd_id, bool) and 0 < cmd_id <= MAX_CMD_ID


def _peek_command_id(raw: bytes) -> int | None:
    """The id of a `cmd` frame refused for its size, if it has a valid one (the caller bounds the size)."""
    try:
        frame = msgpack.unpackb(raw, raw=False, strict_map_key=True)
    except Exception:  # msgpack raises several types for bad bytes
        return None
    if not isinstance(frame, dict) or frame.get("v") != PROTOCOL_VERSION or frame.get("type") != "cmd":
        return None
    cmd_id = frame.get("id")
    return cmd_id if _valid_id(cmd_id) else None


def command(frame: dict[str, Any]) -> CommandFrame:
    """The command in an uplink `cmd` frame; raises FrameError (with the id, when there is one)."""
    cmd_id = frame.get("id")
    if not _valid_id(cmd_id):
        raise FrameError("field", f"id must be an integer 1..{MAX_CMD_ID}, got {cmd_id!r}")
    name, args, target = frame.get("name"), frame.get("args", {}), frame.get("target", "")
    if not isinstance(name, str) or not name:
        raise FrameError("field", f"name must be a command name, got {name!r}", cmd_id)
    if not isinstance(args, dict) or not all(isinstance(k, str) for k in args):
        raise FrameError("field", "args must be a map of argument names to values", cmd_id)
    if not isinstance(target, str):
        raise FrameError("field", f"target must be a process name, got {target!r}", cmd_id)
    return CommandFrame(cmd_id, name, args, target)


def uplink(raw: bytes, max_bytes: int) -> CommandFrame | None:
    """What the vehicle takes of an uplink frame: its command (None for a heartbeat); raises FrameError."""
    frame = decode(raw, max_bytes)
    if frame["type"] not in UPLINK_TYPES:
        raise FrameError("type", f"a {frame['type']!r} frame is not sent to the vehicle")
    return command(frame) if frame["type"] == "cmd" else None


def command_frame(cmd_id: int, name: str, args: dict[str, Any], target: str = "") -> dict[str, Any]:
    return CommandFrame(cmd_id, name, args, target).to_wire()
