"""Malformed uplink frames for a live vehicle (`ginny bench link --fuzz N`): every kind the link document says
is refused, drawn from a seeded generator, sent at the rate the radio carries; each must get exactly one answer
(an `ack` for a command frame with a valid id, an `error` frame for anything else) and be counted, and the
vehicle must carry on."""
from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgpack

from fsw.comm import protocol
from fsw.config.stack import CommConfig
from ground.link import GroundLink

MAX_FRAME = CommConfig.max_frame_bytes  # the vehicle's [comm] max_frame_bytes (its default)
_BAD_IDS = (0, -1, protocol.MAX_CMD_ID + 1, 2**64 - 1, "7", 1.5, True, None, [3])


class Fuzz:
    """A seeded stream of malformed frames: `(frame, cmd_id)`, cmd_id for those answered by an ack (else None);
    a frame is bytes, or a list of bytes for a multi-part message."""

    def __init__(self, seed: int, first_id: int) -> None:
        self.rng = random.Random(seed)
        self.ids = itertools.count(first_id)
        self.kinds: list[Callable[[], tuple[Any, int | None]]] = [
            self._bytes, self._not_a_map, self._bad_version, self._bad_type, self._downlink_type, self._bad_id,
            self._bad_fields, self._multipart]

    def frames(self, n: int) -> Iterator[tuple[Any, int | None]]:
        for i in range(n):
            if i % 100 == 99:  # one in a hundred too big: with a valid id (an ack) or without (an error)
                yield self._oversized()
            else:
                yield self.rng.choice(self.kinds)()

    def _bytes(self) -> tuple[bytes, None]:
        raw = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 200)))
        return (raw, None) if not _decodes(raw) else (b"\xc1" + raw, None)

    def _not_a_map(self) -> tuple[bytes, None]:
        return msgpack.packb(self.rng.choice([[1, 2], "cmd", 42, None, [{"type": "cmd"}]])), None

    def _bad_version(self) -> tuple[bytes, None]:
        v = self.rng.choice([None, 0, 2, "1", 1.0000001])
        frame = {"type": "cmd", "id": next(self.ids), "name": "NO_OP", "args": {}}
        return msgpack.packb(frame if v is None else {**frame, "v": v}), None

    def _bad_type(self) -> tuple[bytes, None]:
        return protocol.encode({"type": self.rng.choice(["launch", "", "CMD", 3, None])}), None

    def _downlink_type(self) -> tuple[bytes, None]:
        return protocol.encode({"type": self.rng.choice(["ack", "event", "state", "tlm", "file", "error"]),
                                "id": next(self.ids)}), None

    def _bad_id(self) -> tuple[bytes, None]:
        frame = {"type": "cmd", "name": "NO_OP", "args": {}}
        if self.rng.random() < 0.9:
            frame["id"] = self.rng.choice(_BAD_IDS)
        return protocol.encode(frame), None

    def _bad_fields(self) -> tuple[bytes, int]:
        cmd_id = next(self.ids)
        bad = self.rng.choice([{"name": ""}, {"name": 5}, {"args": [1]}, {"args": "x"}, {"target": 9},
                               {"name": None}])
        return protocol.encode({"type": "cmd", "id": cmd_id, "name": "NO_OP", "args": {}, **bad}), cmd_id

    def _multipart(self) -> tuple[list[bytes], None]:
        one = protocol.encode(protocol.command_frame(next(self.ids), "NO_OP", {}))
        return [one] * self.rng.randrange(2, 4), None

    def _oversized(self) -> tuple[bytes, int | None]:
        pad = "x" * (MAX_FRAME + self.rng.randrange(1, 4096))
        if self.rng.random() < 0.5:
            cmd_id = next(self.ids)
            return protocol.encode({**protocol.command_frame(cmd_id, "NO_OP", {}), "pad": pad}), cmd_id
        return b"\x00" + pad.encode(), None


def _decodes(raw: bytes) -> bool:
    try:
        protocol.decode(raw, MAX_FRAME)
    except protocol.FrameError:
        return False
    return True


def fuzz_link(link: GroundLink, n: int, seed: int = 1, rate_hz: float = 250.0) -> dict[str, Any]:
    """Send `n` malformed frames at `rate_hz` (about what the 250 kbps radio uplink carries of them); wait for
    their answers."""
    fuzz = Fuzz(seed, 9_000_000_000)
    acked: list[int] = []
    errors0, t0 = len(link.got.error_frames), time.monotonic()
    for i, (frame, cmd_id) in enumerate(fuzz.frames(n)):
        link.send_raw(frame)
        if cmd_id is not None:
            acked.append(cmd_id)
        while time.monotonic() - t0 < (i + 1) / rate_hz:
            link.poll(1)
    errors_expected = n - len(acked)
    answered = lambda: (sum(link.got.ack_count[c] for c in acked), len(link.got.error_frames) - errors0)
    link.wait_for(lambda: answered() == (len(acked), errors_expected), 120, "an answer to every fuzzed frame")
    link.poll(500)  # and no more than one each
    acks, errors = answered()
    after = link.ack(link.send("NO_OP"), 10)
    return {"fuzz_frames": n, "fuzz_s": round(time.monotonic() - t0, 1), "fuzz_acks": acks,
            "fuzz_errors": errors, "fuzz_answered_once": acks == len(acked) and errors == errors_expected,
            "fuzz_format_errors": sum(link.got.acks[c]["result"] == "FORMAT_ERROR" for c in acked),
            "no_op_after": after["result"]}
