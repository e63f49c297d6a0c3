"""The link fuzzer's frames are each refused the way it expects: with an ack (a command frame with a valid id) or
an error frame (anything else); none is a frame the vehicle would take."""
from __future__ import annotations

import pytest

from fsw.comm import protocol
from ground.fuzzlink import MAX_FRAME, Fuzz


def test_every_fuzzed_frame_is_refused_with_the_answer_it_expects() -> None:
    kinds = set()
    for frame, cmd_id in Fuzz(seed=3, first_id=1).frames(3000):
        if isinstance(frame, list):  # several message parts: refused before any decoding
            assert cmd_id is None and len(frame) >= 2
            kinds.add("multipart")
            continue
        with pytest.raises(protocol.FrameError) as exc:
            protocol.uplink(frame, MAX_FRAME)
        assert exc.value.cmd_id == cmd_id, (frame[:80], exc.value)
        kinds.add(exc.value.kind)
    assert kinds == {"multipart", "oversized", "malformed", "type", "field"}
