"""The ground's side, without a vehicle: downlink frames kept, event gaps counted, files reassembled,
command-line arguments typed, frames made fit for the browser."""
from __future__ import annotations

import pytest

from fsw.comm import protocol
from fsw.runtime.commands import CommandRejected, default_dictionary
from ground.cli.ground_cmd import ArgumentError, parse_args
from ground.link import GroundLink, new_id
from ground.web.service import for_web


def link() -> GroundLink:
    return GroundLink(clock=lambda: 100.0)


def feed(g: GroundLink, **frame) -> None:
    g.take(protocol.encode(frame))


def test_events_are_kept_and_gaps_in_their_sequence_counted() -> None:
    g = link()
    for seq in (1, 2, 5, 6):
        feed(g, type="event", seq=seq, t_ns=0, source="nav", name="X", severity="ACTIVITY_HI", text="", suppressed=0)
    assert [e["seq"] for e in g.got.events] == [1, 2, 5, 6] and g.got.events_missed == 2
    assert g.link_up


def test_acks_state_and_telemetry_are_kept_by_what_they_are() -> None:
    g = link()
    feed(g, type="ack", id=9, name="NO_OP", result="OK", reason="")
    feed(g, type="state", seq=1, mode="IDLE", link={})
    feed(g, type="tlm", t_ns=5, source="comm", channels={"a": 1})
    g.take(b"\xc1 junk")
    assert g.got.acks[9]["result"] == "OK" and g.got.state["mode"] == "IDLE" and g.got.tlm["comm"]["channels"] == {"a": 1}
    assert g.got.errors and "undecodable" in g.got.errors[0]
    feed(g, type="ack", id="9", name="NO_OP", result="OK", reason="")  # typed on arrival: the field named
    feed(g, type="tlm", source="comm", channels={})
    assert "id must be int" in g.got.errors[1] and "t_ns must be int" in g.got.errors[2]
    assert g.got.ack_count[9] == 1 and g.got.tlm["comm"]["channels"] == {"a": 1}


def test_a_file_is_reassembled_and_a_short_one_reported() -> None:
    g = link()
    feed(g, type="file", id=1, path="a", offset=0, size=6, data=b"abc", done=False)
    feed(g, type="file", id=1, path="a", offset=3, size=6, data=b"def", done=True)
    feed(g, type="file", id=2, path="b", offset=0, size=6, data=b"abc", done=False)
    feed(g, type="file", id=2, path="b", offset=4, size=6, data=b"ef", done=True)  # a chunk was lost
    assert g.got.files == {"a": b"abcdef"}
    assert "b: 3 of 6 bytes" in g.got.errors[-1]


def test_the_ground_refuses_a_bad_command_before_sending_it() -> None:
    g = link()
    with pytest.raises(CommandRejected):
        g.send("CAPTURE_RTE", {"width_px": 1})
    with pytest.raises(CommandRejected):
        g.send("LAUNCH")


def test_command_line_arguments_are_typed_by_the_dictionary() -> None:
    d = default_dictionary()
    assert parse_args(d.get("CAPTURE_RTE"), ["width_px=800", "height_px=0x258"]) == {"width_px": 800, "height_px": 600}
    assert parse_args(d.get("SET_PARAM"), ["name=yaw_rate_dps", "value=45"]) == {"name": "yaw_rate_dps", "value": 45.0}
    for bad in (["width_px"], ["depth=3"], ["width_px=wide"]):
        with pytest.raises(ArgumentError):
            parse_args(d.get("CAPTURE_RTE"), bad)


def test_frames_for_the_browser_carry_images_as_data_urls_and_files_without_bytes() -> None:
    img = for_web({"type": "image", "kind": "navcam", "jpeg": b"\xff\xd8"})
    assert img["src"] == "data:image/jpeg;base64,/9g=" and "jpeg" not in img
    f = for_web({"type": "file", "path": "x", "data": b"1234", "done": True})
    assert f["bytes"] == 4 and "data" not in f


def test_command_ids_are_fresh_and_in_range() -> None:
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100 and all(0 < i <= protocol.MAX_CMD_ID for i in ids)
