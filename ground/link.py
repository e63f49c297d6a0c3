"""The ground station's end of the link: a CurveZMQ DEALER client of the vehicle's comm process.

`GroundLink` is single-threaded: call `poll()` often (it receives, keeps the heartbeat going and judges the
link). Commands are validated against the dictionary before they are sent. What came down is kept: the
acknowledgements by command id, every event (gaps in the event sequence are counted), the newest vehicle state,
the newest telemetry of each process, images, and files as they are reassembled from their chunks.
"""
from __future__ import annotations

import itertools
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq

from fsw.comm import frames, protocol
from fsw.comm.auth import load_public, load_secret
from fsw.runtime.commands import CommandDictionary, default_dictionary

DEFAULT_ENDPOINT = "tcp://127.0.0.1:7400"
DEFAULT_KEYS = Path("keys")


@dataclass
class Downlinked:
    """Everything the ground has received."""

    acks: dict[int, dict] = field(default_factory=dict)  # the newest per command id
    ack_count: Counter = field(default_factory=Counter)  # acks per command id (one per command frame sent)
    events: list[dict] = field(default_factory=list)
    state: dict | None = None
    tlm: dict[str, dict] = field(default_factory=dict)
    images: deque = field(default_factory=lambda: deque(maxlen=64))
    files: dict[str, bytes] = field(default_factory=dict)  # complete files by path
    progress: dict[str, tuple[int, int]] = field(default_factory=dict)  # bytes come down and the file's size, by path
    errors: list[str] = field(default_factory=list)  # the vehicle's `error` frames (their reasons)
    error_frames: list[dict] = field(default_factory=list)  # ... whole: kind, reason, size and digest
    events_missed: int = 0  # gaps in the event sequence (frames lost on the air)
    frames: int = 0
    bytes: int = 0


class GroundLink:
    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, keys: Path = DEFAULT_KEYS, ground: str = "ground",
                 heartbeat_s: float = 0.5, timeout_s: float = 2.0, dictionary: CommandDictionary | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint = endpoint
        self.keys = Path(keys)
        self.ground = ground
        self.heartbeat_s = heartbeat_s
        self.timeout_s = timeout_s
        self.dictionary = dictionary or default_dictionary()
        self.clock = clock
        self.got = Downlinked()
        self.on_frame: Callable[[dict], None] | None = None
        self._ctx: zmq.Context | None = None
        self._sock: zmq.Socket | None = None
        self._last_heard = -1e9
        self._last_beat = -1e9
        self._next_event_seq = 0
        self._partial: dict[str, bytearray] = {}

    @staticmethod
    def check_keys(keys: Path, ground: str = "ground") -> None:
        """The key files a link needs are there and readable (KeyFileError naming the file and the fix)."""
        load_secret(keys / f"{ground}.key_secret")
        load_public(keys / "vehicle.key")

    def open(self) -> "GroundLink":
        """Connect (CurveZMQ with the ground's key pair and the vehicle's public key)."""
        public, secret = load_secret(self.keys / f"{self.ground}.key_secret")
        vehicle = load_public(self.keys / "vehicle.key")
        self._ctx = zmq.Context()
        s = self._ctx.socket(zmq.DEALER)
        s.linger = 0
        s.curve_publickey, s.curve_secretkey, s.curve_serverkey = public, secret, vehicle
        s.sndhwm = s.rcvhwm = 10_000
        s.connect(self.endpoint)
        self._sock = s
        return self

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close(0)
            self._ctx.term()
            self._sock = self._ctx = None

    def __enter__(self) -> "GroundLink":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def link_up(self) -> bool:
        return self.clock() - self._last_heard < self.timeout_s

    # --- sending ------------------------------------------------------------------------------------
    def send(self, name: str, args: dict[str, Any] | None = None, target: str = "", cmd_id: int | None = None) -> int:
        """Validate then send a command; returns its id. Raises CommandRejected if the dictionary refuses it."""
        args = dict(args or {})
        self.dictionary.validate(name, args)
        return self.send_unchecked(name, args, target, cmd_id)

    def send_unchecked(self, name: str, args: dict[str, Any], target: str = "", cmd_id: int | None = None) -> int:
        """Send without validating here (the vehicle validates again): for tests of the vehicle's checks."""
        cmd_id = cmd_id if cmd_id is not None else new_id()
        self.send_raw(protocol.encode(protocol.command_frame(cmd_id, name, args, target)))
        return cmd_id

    def send_raw(self, data: bytes | list[bytes]) -> None:
        """Bytes as one uplink frame (or a list as one multi-part ZeroMQ message: a malformed frame)."""
        if isinstance(data, list):
            self._sock.send_multipart(data, zmq.NOBLOCK)
        else:
            self._sock.send(data, zmq.NOBLOCK)

    # --- receiving ----------------------------------------------------------------------------------
    def poll(self, timeout_ms: int = 50) -> int:
        """Receive what came down within `timeout_ms`; send a heartbeat when due. Returns frames received."""
        now = self.clock()
        if now - self._last_beat >= self.heartbeat_s:
            self._last_beat = now
            self.send_raw(protocol.encode(frames.UplinkHeartbeat(now).to_wire()))
        n = 0
        if self._sock.poll(timeout_ms):
            while True:
                try:
                    raw = self._sock.recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                n += 1
                self.take(raw)
        return n

    def take(self, raw: bytes) -> None:
        """Take one downlink frame (what `poll` does with each it receives)."""
        self._last_heard = self.clock()
        self.got.frames += 1
        self.got.bytes += len(raw)
        try:
            frame = protocol.decode(raw, 1 << 26)
            typed = frames.parse_downlink(frame)
        except protocol.FrameError as exc:
            self.got.errors.append(f"undecodable downlink frame: {exc}")
            return
        match typed:  # what is kept is the frame as it came (a map: the dashboard passes it on as JSON)
            case frames.Ack():
                self.got.acks[typed.id] = frame
                self.got.ack_count[typed.id] += 1
            case frames.EventFrame():
                self._event(typed, frame)
            case frames.State():
                self.got.state = frame
            case frames.Tlm():
                self.got.tlm[typed.source] = frame
            case frames.Image():
                self.got.images.append(frame)
            case frames.FileChunk():
                self._chunk(typed)
            case frames.Error():
                self.got.errors.append(typed.reason)
                self.got.error_frames.append(frame)
        if self.on_frame is not None:
            self.on_frame(frame)

    def _event(self, event: frames.EventFrame, frame: dict) -> None:
        if self._next_event_seq and event.seq > self._next_event_seq:
            self.got.events_missed += event.seq - self._next_event_seq
        self._next_event_seq = max(self._next_event_seq, event.seq + 1)
        self.got.events.append(frame)

    def _chunk(self, chunk: frames.FileChunk) -> None:
        buf = self._partial.setdefault(chunk.path, bytearray())
        if chunk.offset == len(buf):
            buf.extend(chunk.data)
        self.got.progress[chunk.path] = (len(buf), chunk.size)
        if chunk.done:
            whole = bytes(self._partial.pop(chunk.path))
            if len(whole) == chunk.size:
                self.got.files[chunk.path] = whole
            else:
                self.got.errors.append(f"{chunk.path}: {len(whole)} of {chunk.size} bytes came down")

    # --- waiting ------------------------------------------------------------------------------------
    def wait_for(self, condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
        """Poll until `condition()` is truthy; return it, or raise TimeoutError naming `what`."""
        end = self.clock() + timeout_s
        while True:
            value = condition()
            if value:
                return value
            if self.clock() >= end:
                raise TimeoutError(f"no {what} within {timeout_s:g} s")
            self.poll(50)

    def ack(self, cmd_id: int, timeout_s: float = 10.0) -> dict:
        return self.wait_for(lambda: self.got.acks.get(cmd_id), timeout_s, f"acknowledgement of command {cmd_id}")


_ids = itertools.count(secrets.randbelow(protocol.MAX_CMD_ID // 2) + 1)


def new_id() -> int:
    """A command id: counting up from a random start, so separate ground sessions do not share ids."""
    return next(_ids)
