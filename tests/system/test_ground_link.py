"""The ground link, end to end: `ginny sim --ground` on one side, a ground station on the other, everything
through the CurveZMQ link and the emulated radio -- authentication, acknowledgements, validation, bad input,
repeated ids, an outage, a file, and finally a plan uploaded from the ground and flown."""
from __future__ import annotations

import msgpack
import pytest
import zmq

from fsw.comm import protocol
from ground.testapi import GroundTestAPI
from tests.system.ground import PLANS, connected, outage_spec

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def ground(flight) -> GroundTestAPI:
    api = connected(flight)
    yield api
    api.link.close()


def comm_tlm(ground: GroundTestAPI, channel: str, at_least: int) -> dict:
    return ground.await_telemetry(lambda t: t["channels"].get(channel, 0) >= at_least, 15, source="comm")


def test_a_ground_station_without_an_allowed_key_is_refused_and_counted(flight, ground) -> None:
    ctx = zmq.Context()
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    s.curve_publickey, s.curve_secretkey = zmq.curve_keypair()
    s.curve_serverkey = (flight.keys / "vehicle.key").read_text().split('public-key = "')[1].split('"')[0].encode()
    s.connect(flight.endpoint)
    try:
        s.send(protocol.encode(protocol.command_frame(1, "NO_OP", {})))
        assert s.poll(1500) == 0  # nothing ever comes back to a stranger
        ground.await_telemetry(lambda st: st["link"]["rejected_peers"] >= 1, 15)
    finally:
        s.close(0)
        ctx.term()


def test_no_op_is_acknowledged_ok_by_comm_and_by_any_process(ground) -> None:
    assert ground.send_and_assert_command("NO_OP")["reason"] == ""
    ground.send_and_assert_command("NO_OP", target="nav")
    ground.send_and_assert_command("HEALTH_REPORT")
    assert ground.send_and_assert_command("GET_PARAM", {"name": "nav_timeout_ms"})["reason"] == "nav_timeout_ms=500.0"


def test_the_vehicle_validates_again_whatever_the_ground_sends(ground) -> None:
    link = ground.link
    cases = [("CAPTURE_RTE", {"width_px": 99_999}, "VALIDATION_ERROR"),
             ("CAPTURE_RTE", {"width_px": "wide"}, "FORMAT_ERROR"),
             ("SET_PARAM", {"name": "nav_timeout_ms", "value": 1.0}, "VALIDATION_ERROR"),  # the setting's range
             ("SET_PARAM", {"name": "gain", "value": 1.0}, "VALIDATION_ERROR"),
             ("SELF_DESTRUCT", {}, "INVALID_COMMAND"),
             ("PLAN_UPLOAD", {"name": "bad", "text": "takeoff_altitude_m = 500"}, "VALIDATION_ERROR"),
             ("ARM", {}, "EXECUTION_ERROR")]  # no plan yet: refused with the reason
    for name, args, result in cases:
        ack = link.ack(link.send_unchecked(name, args))
        assert ack["result"] == result, (name, args, ack)
        assert ack["reason"]
    assert "no valid plan" in link.ack(link.send_unchecked("ARM", {}))["reason"]


def test_garbage_is_refused_and_counted_and_the_vehicle_carries_on(ground) -> None:
    link = ground.link
    before = len(link.got.errors)
    for raw in (b"\xc1\xff garbage", msgpack.packb([1, 2, 3]), protocol.encode({"type": "launch"}),
                protocol.encode({"type": "cmd", "id": "x", "name": "NO_OP"}), msgpack.packb({"v": 99}),
                protocol.encode({"type": "ack", "id": 5}), b"\x00" * 100_000):
        link.send_raw(raw)
    link.wait_for(lambda: len(link.got.errors) >= before + 7, 15, "an error frame for each bad frame")
    assert any("over the limit" in e for e in link.got.errors[before:])
    comm_tlm(ground, "uplink_malformed", 6)
    comm_tlm(ground, "uplink_oversized", 1)
    ack = link.ack(link.send_unchecked("NO_OP", {"x": 1}, cmd_id=protocol.MAX_CMD_ID))
    assert ack["result"] == "FORMAT_ERROR"
    ground.send_and_assert_command("NO_OP")  # still at work
    seq = link.got.state["seq"]
    ground.await_telemetry(lambda s: s["seq"] > seq + 2)


def test_every_command_frame_gets_one_ack_and_every_other_bad_frame_an_error_naming_it(ground) -> None:
    """What docs/ground-link.md promises a client written from it alone: two identical frames sent in the same
    instant get two acks (one execution); an oversized command with an id gets its ack; a command for no such
    process is INVALID_COMMAND; a two-part ZeroMQ message gets an error frame with the digest of its bytes."""
    import hashlib

    link = ground.link
    mark = ground.mark()
    twice = protocol.encode(protocol.command_frame(888_001, "NO_OP", {}, "nav"))
    link.send_raw(twice)
    link.send_raw(twice)
    link.wait_for(lambda: link.got.ack_count[888_001] >= 2, 15, "an ack for each of the two frames")
    ground.await_event("NO_OP", "NO_OP", after=mark)
    big = protocol.encode({**protocol.command_frame(888_002, "NO_OP", {}), "pad": "x" * 70 * 1024})
    link.send_raw(big)
    ack = link.ack(888_002)
    assert ack["result"] == "FORMAT_ERROR" and "over the limit" in ack["reason"], ack
    assert link.ack(link.send_unchecked("NO_OP", {}, target="warp_drive"))["result"] == "INVALID_COMMAND"
    before = len(link.got.error_frames)
    parts = [protocol.encode({"type": "hb", "t": 1.0}), b"second part"]
    link.send_raw(parts)
    error = link.wait_for(lambda: link.got.error_frames[before:], 15, "an error frame for the two-part message")[0]
    assert error["kind"] == "malformed" and error["size"] == sum(map(len, parts))
    assert error["digest"] == hashlib.sha256(b"".join(parts)).hexdigest()[:16]
    link.poll(300)
    assert link.got.ack_count[888_001] == 2 and sum(e["name"] == "NO_OP" for e in link.got.events[mark:]) == 1


def test_hundreds_of_fuzzed_frames_are_each_answered_once_and_counted(ground) -> None:
    """`ginny bench link --fuzz N` in small: every malformed frame answered once and counted; the vehicle goes on."""
    from ground.fuzzlink import fuzz_link

    before = ground.await_telemetry(lambda t: "uplink_malformed" in t["channels"], 15, source="comm")["channels"]
    n = 400
    result = fuzz_link(ground.link, n, seed=7)
    assert result["fuzz_answered_once"] and result["no_op_after"] == "OK", result
    assert result["fuzz_acks"] == result["fuzz_format_errors"] > 0 and result["fuzz_errors"] > 0
    comm_tlm(ground, "uplink_oversized", before["uplink_oversized"] + n // 100)
    comm_tlm(ground, "uplink_malformed", before["uplink_malformed"] + n - n // 100)


def test_a_repeated_command_id_is_answered_again_never_executed_twice(ground) -> None:
    link = ground.link
    mark = ground.mark()
    first = link.ack(link.send("NO_OP", cmd_id=777_001))
    link.got.acks.pop(777_001)
    again = link.ack(link.send("NO_OP", cmd_id=777_001))
    assert again == first
    link.ack(link.send("NO_OP", cmd_id=777_002))
    ground.await_event("NO_OP", "NO_OP", after=mark)
    link.wait_for(lambda: sum(e["name"] == "NO_OP" for e in link.got.events[mark:]) >= 2, 10, "two NO_OP events")
    link.poll(200)
    assert sum(e["name"] == "NO_OP" for e in link.got.events[mark:]) == 2  # 777_001 once, 777_002 once
    comm_tlm(ground, "commands_duplicate", 1)


def test_a_file_comes_down_whole(flight, ground) -> None:
    listing = ground.send_and_assert_command("LIST_FILES", {"dir": ""})["reason"]
    assert "flightlog/" in listing and "stack.toml" in listing
    assert "/boot-" in ground.send_and_assert_command("LIST_FILES", {"dir": "flightlog"})["reason"]
    assert ground.send_command("DOWNLINK_FILE", {"path": "../../etc/passwd"})["result"] == "VALIDATION_ERROR"
    assert ground.send_command("DOWNLINK_FILE", {"path": "flightlog"})["result"] == "VALIDATION_ERROR"
    ground.send_and_assert_command("DOWNLINK_FILE", {"path": "stack.toml"})
    data = ground.link.wait_for(lambda: ground.link.got.files.get("stack.toml"), 30, "stack.toml")
    assert data == (flight.out / "stack.toml").read_bytes()


def test_during_an_outage_telemetry_pauses_then_resumes_and_no_event_is_lost(ground) -> None:
    link = ground.link
    ground.send_and_assert_command("FAULT_INJECT", {"spec": outage_spec(ground)})
    link.wait_for(lambda: not link.link_up, 20, "the ground to see the link down")
    paused_at = link.got.state["seq"]
    mark = ground.mark()
    link.wait_for(lambda: link.link_up, 40, "the link back")
    ground.await_event("LINK_LOST", after=mark - 5)  # said on board during the outage, downlinked after it
    ground.await_event("LINK_RESTORED", after=mark)
    ground.await_telemetry(lambda s: s["seq"] > paused_at + 2)
    assert link.got.events_missed == 0
    seqs = [e["seq"] for e in link.got.events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert ground.send_command("FAULT_INJECT", {"spec": "link.outage@x"})["result"] == "VALIDATION_ERROR"


def test_the_client_in_the_protocol_document_works(flight, ground) -> None:
    """docs/ground-link.md's minimal client, with plain pyzmq and msgpack only."""
    import zmq.auth
    pub, sec = zmq.auth.load_certificate(flight.keys / "ground.key_secret")
    srv, _ = zmq.auth.load_certificate(flight.keys / "vehicle.key")
    ctx = zmq.Context()
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    s.curve_publickey, s.curve_secretkey, s.curve_serverkey = pub, sec, srv
    s.connect(flight.endpoint)
    try:
        s.send(msgpack.packb({"v": 1, "type": "cmd", "id": 1, "name": "NO_OP", "args": {}}))
        while s.poll(10_000):
            f = msgpack.unpackb(s.recv())
            if f["type"] == "ack":
                break
        assert f == {"v": 1, "type": "ack", "id": 1, "name": "NO_OP", "result": "OK", "reason": ""}
    finally:
        s.close(0)
        ctx.term()


def test_a_colour_capture_sends_its_thumbnail_first_and_its_raw_frame_on_request(flight, ground, tmp_path) -> None:
    """As Ingenuity's team worked: the thumbnail comes by itself; the full RAW frame when asked for, with its
    progress; the ground develops it again as it likes."""
    import json

    from ground.cli.main import build_parser

    mark, images = ground.mark(), len(ground.link.got.images)
    ground.send_and_assert_command("CAPTURE_RTE", {"width_px": 320, "height_px": 240})
    done = ground.await_event("CAPTURE_DONE", timeout_s=60, after=mark)
    assert "320x240" in done["text"] and "captures/raw_" in done["text"]
    raw_path = next(w.strip(",") for w in done["text"].split() if w.startswith("captures/raw_"))
    thumb = ground.link.wait_for(lambda: next((i for i in list(ground.link.got.images)[images:]
                                               if i["kind"] == "rte"), None), 30, "the capture's thumbnail")
    assert thumb["width"] <= 640 and thumb["jpeg"][:2] == b"\xff\xd8"
    assert raw_path not in ground.link.got.progress  # nothing of the full frame until it is asked for
    ground.send_and_assert_command("DOWNLINK_FILE", {"path": raw_path})
    data = ground.link.wait_for(lambda: ground.link.got.files.get(raw_path), 120, raw_path)
    assert data == (flight.out / raw_path).read_bytes()
    assert ground.link.got.progress[raw_path] == (len(data), len(data))
    record = raw_path.replace("raw_", "colour_").replace(".png", ".json")
    ground.send_and_assert_command("DOWNLINK_FILE", {"path": record})
    meta = ground.link.wait_for(lambda: ground.link.got.files.get(record), 60, record)
    assert json.loads(meta)["development"]["white_balance"]
    local = tmp_path / "raw_001.png"
    local.write_bytes(data)
    (tmp_path / "colour_001.json").write_bytes(meta)
    args = build_parser().parse_args(["image", "develop", str(local), "--white-balance", "grey-world",
                                      "--out", str(tmp_path / "grey.jpg")])
    assert args.func(args) == 0 and (tmp_path / "grey.jpg").stat().st_size > 1000


def test_a_plan_uploaded_from_the_ground_is_flown(flight, ground) -> None:
    text = (PLANS / "hop.toml").read_text()
    ground.send_and_assert_command("PLAN_UPLOAD", {"name": "hop", "text": text})
    ground.send_and_assert_command("ARM")
    mark = ground.mark()
    ground.send_and_assert_command("PLAN_START")
    ground.await_event("MODE", "TAKEOFF", timeout_s=60, after=mark)
    ground.await_telemetry(lambda s: s.get("altitude_m", 0) > 4.0, 60)
    ground.await_event("MODE", "-> LANDED", timeout_s=120, after=mark)
    code, out, summary = flight.wait(120)
    assert code == 0, out[-3000:]
    assert summary["outcome"] == "landed"
    assert summary["flight"]["distance_m"] > 8.0
