"""Ground link frames: what decodes, and the clear error for everything else (fuzzed too)."""
from __future__ import annotations

import os

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fsw.comm import protocol
from fsw.comm.protocol import FrameError


def test_a_command_round_trips() -> None:
    raw = protocol.encode(protocol.command_frame(7, "CAPTURE_RTE", {"width_px": 640}, "control"))
    frame = protocol.decode(raw, 1024)
    assert protocol.command(frame) == protocol.CommandFrame(7, "CAPTURE_RTE", {"width_px": 640}, "control")


@pytest.mark.parametrize("raw, kind", [
    (b"\xc1", "malformed"),
    (msgpack.packb([1]), "malformed"),
    (msgpack.packb({"type": "cmd"}), "malformed"),  # no version
    (protocol.encode({"type": "launch"}), "type"),
    (b"x" * 2000, "oversized"),
])
def test_bad_frames_say_what_is_wrong(raw: bytes, kind: str) -> None:
    with pytest.raises(FrameError) as exc:
        protocol.decode(raw, 1024)
    assert exc.value.kind == kind


@pytest.mark.parametrize("frame, has_id", [
    ({"type": "cmd", "id": 0, "name": "NO_OP"}, False),
    ({"type": "cmd", "id": True, "name": "NO_OP"}, False),
    ({"type": "cmd", "id": 2**60, "name": "NO_OP"}, False),
    ({"type": "cmd", "id": 3, "name": ""}, True),
    ({"type": "cmd", "id": 3, "name": "NO_OP", "args": [1]}, True),
    ({"type": "cmd", "id": 3, "name": "NO_OP", "target": 5}, True),
])
def test_bad_commands_keep_their_id_when_they_have_one(frame: dict, has_id: bool) -> None:
    with pytest.raises(FrameError) as exc:
        protocol.command(frame)
    assert (exc.value.cmd_id is not None) == has_id


_INTS = st.integers(-2**63, 2**64 - 1)
_VALUES = st.one_of(_INTS, st.text(max_size=10), st.none(), st.booleans(), st.lists(_INTS, max_size=3),
                    st.dictionaries(st.text(max_size=3), _INTS, max_size=3))
_FIELDS = st.dictionaries(st.sampled_from(["v", "type", "id", "name", "args", "target", "x"]), _VALUES)
_FRAMES = st.one_of(st.binary(max_size=300), _FIELDS.map(msgpack.packb),
                    _FIELDS.map(lambda d: protocol.encode({"type": "cmd", **d})))


@settings(max_examples=int(os.environ.get("GINNY_FUZZ_EXAMPLES") or 2_000), deadline=None)
@given(_FRAMES)
def test_fuzzed_uplink_frames_decode_or_raise_frame_error(raw: bytes) -> None:
    try:
        frame = protocol.decode(raw, 256)
        if frame["type"] == "cmd":
            protocol.command(frame)
    except FrameError as exc:
        assert exc.reason
