"""One schema for both ends of the link: every downlink frame the vehicle builds reads back as itself on the
ground, and a frame with a field missing or of the wrong type is refused, naming the field."""
from __future__ import annotations

import pytest

from fsw.comm import frames, protocol
from fsw.comm.protocol import FrameError

EXAMPLES = [
    frames.Ack(7, "NO_OP", "OK", ""),
    frames.EventFrame(3, 10, "control", "MODE", "ACTIVITY_HI", "FLY -> LAND: plan done", 0),
    frames.State(1, "IDLE", {"up": True}),
    frames.State(2, "FLY", {}, t_ns=5, pos_m=[1.0, 2.0, -3.0], altitude_m=3, valid=True, vision="GOOD", features=80),
    frames.Tlm(5, "nav", {"frames": 3, "vision": "GOOD"}),
    frames.Image("navcam", 1, 5, 160, 120, b"\xff\xd8"),
    frames.FileChunk(9, "stack.toml", 0, 3, b"abc", True),
    frames.Heartbeat(5, {"up": True}),
    frames.Error.of(FrameError("malformed", "not msgpack"), b"\xc1"),
]


@pytest.mark.parametrize("frame", EXAMPLES, ids=lambda f: f.TYPE)
def test_a_frame_reads_back_as_itself(frame: frames.Frame) -> None:
    assert frames.parse_downlink(protocol.decode(protocol.encode(frame.to_wire()), 1 << 20)) == frame


@pytest.mark.parametrize("wire, field", [
    ({"type": "ack", "name": "NO_OP", "result": "OK", "reason": ""}, "id"),
    ({"type": "ack", "id": True, "name": "NO_OP", "result": "OK", "reason": ""}, "id"),
    ({"type": "state", "seq": 1, "mode": "IDLE", "link": {}, "pos_m": "north"}, "pos_m"),
    ({"type": "file", "id": 1, "path": "a", "offset": 0, "size": 1, "data": "a", "done": True}, "data"),
])
def test_a_field_missing_or_of_the_wrong_type_is_refused_by_name(wire: dict, field: str) -> None:
    with pytest.raises(FrameError, match=f"'s {field} must be"):
        frames.parse_downlink(wire)
    with pytest.raises(FrameError, match="not a downlink frame"):
        frames.parse_downlink({"type": "cmd"})
