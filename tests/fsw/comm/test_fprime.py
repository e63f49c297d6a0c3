"""The F Prime half of comm, checked against fprime-gds's own loader, framers, encoders and decoders (pinned in
pyproject.toml): what the vehicle writes, fprime-gds reads, and what fprime-gds sends, the vehicle reads."""
from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest

from fsw.bus.messages import CommandResult
from fsw.comm import frames
from fsw.comm.fprime import framing, packets
from fsw.comm.fprime.catalogue import COMPONENTS, PROCESSES, Enum, Str, catalogue
from fsw.comm.fprime.dictionary import write_dictionary
from fsw.comm.fprime.translate import Translator
from fsw.config import ConfigError
from fsw.config.stack import FprimeConfig
from fsw.runtime.commands import default_dictionary

gds = pytest.importorskip("fprime_gds")
from fprime_gds.common.communication.ccsds.chain import SpacePacketSpaceDataLinkFramerDeframer  # noqa: E402
from fprime_gds.common.communication.framing import FpFramerDeframer  # noqa: E402
from fprime_gds.common.data_types.cmd_data import CmdData  # noqa: E402
from fprime_gds.common.decoders.ch_decoder import ChDecoder  # noqa: E402
from fprime_gds.common.decoders.event_decoder import EventDecoder  # noqa: E402
from fprime_gds.common.decoders.file_decoder import FileDecoder  # noqa: E402
from fprime_gds.common.encoders.cmd_encoder import CmdEncoder  # noqa: E402
from fprime_gds.common.files.helpers import CFDPChecksum  # noqa: E402
from fprime_gds.common.models.dictionaries import Dictionaries  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
CAT = catalogue(default_dictionary())


@pytest.fixture(scope="module")
def gds_dict(tmp_path_factory: pytest.TempPathFactory) -> Dictionaries:
    path = tmp_path_factory.mktemp("fprime") / "ginny.json"
    write_dictionary(path, FprimeConfig())
    return Dictionaries.load_dictionaries_into_config(str(path))


def _gds_framers() -> list:
    return [FpFramerDeframer(), SpacePacketSpaceDataLinkFramerDeframer(scid=None, vcid=1, frame_size=None)]


def test_fprime_gds_loads_the_dictionary(gds_dict: Dictionaries) -> None:
    assert len(gds_dict.command_name) == len(CAT.commands) >= 26
    assert "control.SPIN_UP_S_PRM_SET" in gds_dict.command_name
    assert {"control.ARM", "control.PLAN_START", "comm.NO_OP", "comm.DOWNLINK_FILE"} <= set(gds_dict.command_name)
    assert {"control.MODE", "cmdDisp.OpCodeCompleted", "nav.VISION_DEGRADED"} <= set(gds_dict.event_name)
    assert {"vehicle.altitude_m", "vehicle.mode", "comm.fprime_bad_checks"} <= set(gds_dict.channel_name)
    assert str(gds_dict.event_name["control.MODE"].get_severity()) == "EventSeverity.ACTIVITY_HI"


def test_fprime_gds_loads_the_parameters(tmp_path: Path) -> None:
    from fprime_gds.common.loaders.prm_json_loader import PrmJsonLoader
    path = tmp_path / "ginny.json"
    write_dictionary(path, FprimeConfig())
    params = PrmJsonLoader(str(path)).get_name_dict(None)
    assert params["control.spin_up_s"].get_id() == 0x6800
    assert params["control.nav_timeout_ms"].prm_default_val == 500.0


def test_ids_are_stable() -> None:
    """Ids are a component's base plus the entry's place: a reordered list would move them (and break every
    ground system's saved dictionary)."""
    ops = {c.full_name: c.opcode for c in CAT.commands}
    assert (ops["control.ARM"], ops["control.PLAN_START"], ops["comm.NO_OP"]) == (0x6001, 0x6004, 0x8000)
    assert CAT.event_of[("control", "MODE")].id == 0x600A
    assert CAT.channel_of[("vehicle", "altitude_m")].id == 0x2001
    ids = [e.id for e in CAT.events], [c.id for c in CAT.channels], list(ops.values())
    assert all(len(set(x)) == len(x) for x in ids)
    assert all(i < (COMPONENTS.index(c.component) + 2) * 0x1000 for c in CAT.commands for i in [c.opcode])


def _raised_events() -> set[tuple[str, str]]:
    """Every event name the code raises literally, with the components that can raise it."""
    where = {"fsw/camera": ("camera",), "fsw/nav": ("nav",), "fsw/control": ("control",), "fsw/logger": ("logger",),
             "fsw/comm": ("comm",), "fsw/health": ("health",), "sim_hal/worldproc": ("world",),
             "fsw/runtime/node.py": PROCESSES}
    found = set()
    for prefix, components in where.items():
        for path in sorted(ROOT.glob(prefix + ("" if prefix.endswith(".py") else "/**/*.py"))):
            text = path.read_text()
            for name in re.findall(r'(?:event\(|events\.append\(\()f?"([A-Z_{}.a-z]+)"', text):
                names = {"PROC_{v.what.upper()}": ["PROC_READY", "PROC_EXITED", "PROC_HUNG", "PROC_RESTART",
                                                   "PROC_GIVE_UP"], "FAULT_{what}": ["FAULT_INJECTED",
                                                                                     "FAULT_CLEARED"]}.get(name, [name])
                found |= {(c, n) for c in components for n in names}
    return found


def test_every_event_the_code_raises_is_in_the_dictionary() -> None:
    raised = _raised_events()
    assert len(raised) > 60
    assert raised - set(CAT.event_of) == set()


@pytest.mark.parametrize("framer", range(2), ids=["fprime", "ccsds"])
def test_every_command_from_fprime_gds_decodes_to_its_arguments(gds_dict: Dictionaries, framer: int) -> None:
    samples = {"I32": ("640", 640), "F64": ("2.5", 2.5), "bool": ("True", True)}
    deframer = framing.FprimeDeframer(65536) if framer == 0 else framing.TcDeframer(0x44, 1)
    encoder, gds_framer = CmdEncoder(), _gds_framers()[framer]
    for cmd in CAT.commands:
        text, want = [], dict(cmd.fixed)
        for p in cmd.params:
            t, v = ((p.type.names[-1],) * 2 if isinstance(p.type, Enum) else ("a plan", "a plan")
                    if isinstance(p.type, Str) else samples[p.type])
            text.append(t)
            want[p.name] = v
        packet = encoder.encode_api(CmdData(text, gds_dict.command_name[cmd.full_name]))[8:]
        got = deframer.feed(b"sitting well" + gds_framer.frame(packet))  # fprime-gds's keepalive first
        assert got == [packet]
        assert packets.decode_command(packet, CAT) == (cmd, want)
    assert deframer.stats.bytes_discarded == 12 * len(CAT.commands)


def _bad_packets() -> list[tuple[bytes, str, int | None]]:
    set_param = next(c for c in CAT.commands if c.name == "SET_PARAM")
    upload = next(c for c in CAT.commands if c.name == "PLAN_UPLOAD")
    good = packets.encode_command(set_param, {"name": "spin_up_s", "value": 1.0})
    head = struct.pack(">HI", 0, upload.opcode)
    return [(b"\x00\x00\x00", "too short", None),
            (struct.pack(">HI", 3, set_param.opcode), "not a command", None),
            (struct.pack(">HI", 0, 0xBAD), "not in the dictionary", 0xBAD),
            (good[:-3], "middle of a value", set_param.opcode),
            (good + b"\x00", "after the last argument", set_param.opcode),
            (struct.pack(">HIB", 0, set_param.opcode, 99) + bytes(8), "not a value of", set_param.opcode),
            (head + struct.pack(">H", 70) + bytes(70), "at most 64", upload.opcode),
            (head + struct.pack(">H", 2) + b"\xff\xfe" + struct.pack(">H", 0), "not UTF-8", upload.opcode)]


@pytest.mark.parametrize("packet,says,opcode", _bad_packets())
def test_a_bad_command_packet_says_what_is_wrong(packet: bytes, says: str, opcode: int | None) -> None:
    with pytest.raises(packets.PacketError, match=says) as exc:
        packets.decode_command(packet, CAT)
    assert exc.value.opcode == opcode


@pytest.mark.parametrize("framer", range(2), ids=["fprime", "ccsds"])
def test_fprime_gds_reads_what_the_vehicle_sends(gds_dict: Dictionaries, framer: int) -> None:
    tr = Translator(CAT, 512)
    ev = tr.event(frames.EventFrame(1, 12_500_000_000, "control", "MODE", "ACTIVITY_HI", "FLY -> LAND: plan done", 0))
    odd = tr.event(frames.EventFrame(2, 1, "nav", "SOMETHING_NEW", "WARNING_LO", "news", 0))
    state = tr.state(frames.State(3, "FLY", {"up": True, "down_bytes": 10, "queued": 2}, t_ns=2_000_000_000,
                                  pos_m=[1.0, 2.0, -3.0], vel_mps=[0.1, 0.2, 0.3], att_deg=[1.0, 2.0, 30.0],
                                  altitude_m=3.0, valid=True, vision="GOOD", features=120), 0)
    answer = tr.answer(0x6001, CommandResult.VALIDATION_ERROR, "preflight failed: imu", 5)
    data = bytes(range(256)) * 9  # a file of 2304 bytes: DATA packets spanning TM frames
    file_out = tr.file(frames.FileChunk(7, "flightlog/a.glog", 0, len(data), data, True))
    sent = [ev, odd, state, *answer, *file_out]
    wire = (b"".join(framing.fprime_frame(p) for p in sent) if framer == 0
            else framing.TmFramer(0x44, 1, 1024).frames(sent))
    got, rest, discarded = _gds_framers()[framer].deframe_all(wire, False)
    assert got == sent and not rest and not discarded
    events = [EventDecoder(gds_dict.event_id).decode_api(p[2:])[0].get_str() for p in got[:2] + got[3:5]]
    assert "control.MODE" in events[0] and "FLY -> LAND: plan done" in events[0] and "12.500000s" in events[0]
    assert "cmdDisp.UncataloguedEvent" in events[1] and "nav.SOMETHING_NEW: news" in events[1]
    assert "preflight failed: imu" in events[2] and "VALIDATION_ERROR" in events[3]
    channels = {c.template.get_full_name(): c.get_val_obj().val for c in ChDecoder(gds_dict.channel_id).decode_api(got[2][2:])}
    assert channels["vehicle.mode"] == "FLY" and channels["vehicle.altitude_m"] == 3.0
    assert channels["vehicle.pos_d_m"] == -3.0 and channels["vehicle.yaw_deg"] == 30.0
    assert channels["vehicle.link_up"] is True and channels["vehicle.vision"] == "GOOD"
    parts = [FileDecoder().decode_api(p[2:])[0] for p in got[5:]]
    assert [type(p).__name__ for p in parts] == ["StartPacketData"] + ["DataPacketData"] * 5 + ["EndPacketData"]
    assert b"".join(p.dataVar for p in parts[1:-1]) == data
    assert [p.seqID for p in parts] == list(range(7))
    check = CFDPChecksum()
    check.update(data, 0)
    assert parts[-1].hashValue[0] == check.value


def test_tm_frames_are_whole_and_idle_filled() -> None:
    """Any batch, even one that leaves 1..6 bytes at a frame's end, comes out as whole frames fprime-gds reads."""
    tm, reader = framing.TmFramer(0x44, 1, 64), SpacePacketSpaceDataLinkFramerDeframer(scid=0x44, vcid=1, frame_size=64)
    for n in range(1, 130):
        batch = [struct.pack(">H", 2) + bytes([n % 251]) * n]
        wire = tm.frames(batch)
        assert len(wire) % 64 == 0
        assert reader.deframe_all(wire, False)[0] == batch


def test_deframers_skip_noise_and_count_bad_frames() -> None:
    packet = struct.pack(">HI", 0, 0x8000)
    fp = framing.FprimeDeframer(1024)
    good = framing.fprime_frame(packet)
    bad = bytearray(good)
    bad[-1] ^= 1
    assert fp.feed(bytes(bad) + b"\x01\x02noise" + good[:7]) == []
    assert fp.feed(good[7:]) == [packet]
    assert fp.stats.bad_checks == 1 and fp.stats.packets == 1
    tc = framing.TcDeframer(0x44, 1)
    frame = framing.tc_frame(0x44, 1, 0, packet)
    wrong_ship = framing.tc_frame(0x45, 1, 0, packet)
    broken = bytearray(frame)
    broken[8] ^= 0x40
    assert tc.feed(wrong_ship + bytes(broken) + frame) == [packet]
    assert tc.stats.bad_checks == 1 and tc.stats.bytes_discarded == len(wrong_ship) + len(broken)


@pytest.mark.parametrize("key,value,says", [("mode", "both", "server or client"), ("port", 0, "1..65535"),
                                            ("framing", "ccsds", "fprime or space-packet"),
                                            ("vcid", 9, "0..7"), ("spacecraft_id", 2000, "0..1023")])
def test_a_bad_fprime_config_names_its_key(tmp_path: Path, key: str, value: object, says: str) -> None:
    from fsw.config.stack import load_stack
    base = (ROOT / "fsw/config/sim.toml").read_text()
    path = tmp_path / "stack.toml"
    path.write_text(base.replace("[stack]", "[stack]", 1) + f"\n[comm.fprime]\n{key} = {json.dumps(value)}\n")
    path.write_text(path.read_text().replace('topology = "', f'topology = "{ROOT}/fsw/config/', 1))
    with pytest.raises(ConfigError, match=f"comm.fprime.{key}.*{says}"):
        load_stack(path)


def test_the_tc_framer_frames_as_fprime_gds_does(gds_dict: Dictionaries) -> None:
    """The fuzzer frames bad packets with ginny's TC framer (fprime-gds's refuses them): the same bytes as
    fprime-gds's for a good one."""
    packet = packets.encode_command(next(c for c in CAT.commands if c.full_name == "comm.NO_OP"), {})
    assert framing.tc_frame(0x44, 1, 0, packet) == _gds_framers()[1].frame(packet)


def test_docs_tables_are_the_catalogues() -> None:
    doc = (ROOT / "docs/fprime.md").read_text()
    rows = set(re.findall(r"^\| 0x([0-9A-F]{4}) \| (\w+\.\w+) \|", doc, re.M))
    want = ({(f"{c.opcode:04X}", c.full_name) for c in CAT.commands}
            | {(f"{e.id:04X}", f"{e.component}.{e.name}") for e in CAT.events}
            | {(f"{c.id:04X}", f"{c.component}.{c.name}") for c in CAT.channels})
    assert rows == want
