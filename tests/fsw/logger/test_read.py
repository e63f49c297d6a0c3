"""A flight log read back: info, CSV per topic and MCAP (through the `mcap` library's own reader)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from mcap.reader import make_reader

from fsw.bus import messages as m
from fsw.bus.message import Envelope
from sim_hal.backend.topics import sim_registry
from fsw.logger.logfile import Kind
from fsw.logger.mcapout import export_mcap, json_schema
from fsw.logger.read import decode_log, export_csv, info
from fsw.logger.writer import LogWriter
from ground.cli.main import main

REGISTRY = sim_registry()


def write_log(path: Path) -> None:
    w = LogWriter(path, {"software": "ginny test"}, lambda: 0)
    for k in range(100):
        t = k * 10_000_000
        msg = m.AltimeterSample(t, 5.0 + k * 0.01, True)
        w.append(Kind.MESSAGE, "altimeter", t, REGISTRY["altimeter"].codec.encode(msg, Envelope("control", k))[0])
    ev = m.Event(500_000_000, "nav", "VISION_DEGRADED", m.Severity.WARNING_HI, "too few features", 0)
    w.append(Kind.MESSAGE, "event", ev.t_ns, REGISTRY["event"].codec.encode(ev, Envelope("nav", 1))[0])
    w.append(Kind.GAP, "altimeter", 600_000_000, ["control", 3])
    w.close()


def test_info_counts_rates_gaps_and_events(tmp_path: Path) -> None:
    write_log(tmp_path / "a.glog")
    s = info(tmp_path / "a.glog")
    assert s["topics"]["altimeter"] == {"messages": 100, "rate_hz": 101.01, "gaps": 3}
    assert s["events"] == {"WARNING_HI": 1} and "VISION_DEGRADED: too few features" in s["event_list"][0]
    assert s["duration_s"] == 0.99 and s["software"] == "ginny test" and not s["damaged"]


def test_csv_export_reads_back(tmp_path: Path) -> None:
    write_log(tmp_path / "a.glog")
    files, _ = export_csv(tmp_path / "a.glog", tmp_path / "csv")
    assert sorted(f.name for f in files) == ["altimeter.csv", "event.csv"]
    rows = list(csv.DictReader(open(tmp_path / "csv" / "altimeter.csv")))
    assert len(rows) == 100 and rows[3]["t_ns"] == "30000000" and float(rows[3]["range_m"]) == 5.03


def test_mcap_export_reads_back_through_the_mcap_reader(tmp_path: Path) -> None:
    write_log(tmp_path / "a.glog")
    assert export_mcap(tmp_path / "a.glog", tmp_path / "a.mcap")[0] == 101
    with open(tmp_path / "a.mcap", "rb") as f:
        got = [(c.topic, msg.log_time, json.loads(msg.data)) for _, c, msg in make_reader(f).iter_messages()]
    assert len(got) == 101 and got[0][0] == "altimeter" and got[5][2]["range_m"] == 5.05
    assert [g for g in got if g[0] == "event"][0][2]["severity"] == "WARNING_HI"


def _reject_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


def test_mcap_channels_carry_real_schemas_strict_json_in_time_order(tmp_path: Path) -> None:
    """Foxglove needs each channel's fields and types; a strict JSON reader refuses NaN; MCAP readers expect
    log-time order (the logger writes in arrival order, which is not time order across publishers)."""
    w = LogWriter(tmp_path / "n.glog", {"software": "ginny test"}, lambda: 0)
    for t in (300, 100, 200):  # arrival order is not time order
        msg = m.AltimeterSample(t, float("nan") if t == 200 else 4.0, True)
        w.append(Kind.MESSAGE, "altimeter", t, REGISTRY["altimeter"].codec.encode(msg, Envelope("hal", t))[0])
    w.close()
    export_mcap(tmp_path / "n.glog", tmp_path / "n.mcap", REGISTRY)
    with open(tmp_path / "n.mcap", "rb") as f:
        got = list(make_reader(f).iter_messages())
    assert [msg.log_time for _, _, msg in got] == [100, 200, 300]
    bodies = [json.loads(msg.data, parse_constant=_reject_constant) for _, _, msg in got]
    assert bodies[1]["range_m"] is None and bodies[0]["range_m"] == 4.0
    schema = json.loads(got[0][0].data)
    assert got[0][0].encoding == "jsonschema" and schema["title"] == "AltimeterSample"
    assert schema["properties"]["t_ns"] == {"type": "integer"} and schema["properties"]["valid"] == {"type": "boolean"}
    assert schema["properties"]["range_m"]["type"] == ["number", "null"]
    assert set(schema["required"]) == set(bodies[0])


def test_every_logged_message_type_has_a_schema_of_all_its_fields() -> None:
    for topic in REGISTRY:
        schema = json_schema(topic.message)
        assert schema["type"] == "object" and schema["properties"], topic.name
        assert all(prop for prop in schema["properties"].values()), (topic.name, schema)


def test_the_cli_reports_and_refuses_what_is_not_a_log(tmp_path: Path, capsys) -> None:
    write_log(tmp_path / "a.glog")
    assert main(["log", "info", str(tmp_path / "a.glog")]) == 0
    assert "altimeter" in capsys.readouterr().out
    (tmp_path / "b.txt").write_text("hello")
    assert main(["log", "info", str(tmp_path / "b.txt")]) == 2
    assert "not a ginny flight log" in capsys.readouterr().err
    assert main(["log", "export", str(tmp_path / "a.glog"), "--mcap", str(tmp_path / "x.mcap")]) == 0
    (tmp_path / "empty.glog").write_bytes(b"")
    assert main(["log", "info", str(tmp_path / "empty.glog")]) == 2
    assert "holds no records" in capsys.readouterr().err


def test_exports_say_what_they_skipped_and_exit_1(tmp_path: Path, capsys) -> None:
    write_log(tmp_path / "a.glog")
    data = (tmp_path / "a.glog").read_bytes()
    (tmp_path / "cut.glog").write_bytes(data[: len(data) * 2 // 3])
    for argv in (["export", "--csv", str(tmp_path / "csv")], ["export", "--mcap", str(tmp_path / "c.mcap")],
                 ["info"]):
        assert main(["log", argv[0], str(tmp_path / "cut.glog"), *argv[1:]]) == 1, argv
        said = capsys.readouterr()
        assert "skipped a torn tail of" in said.err + said.out, argv


@pytest.mark.parametrize("argv, says", [
    (["export", "LOG", "--csv", "FILE"], "--csv {tmp}/file.txt: is a file, not a folder"),
    (["export", "LOG", "--mcap", "{tmp}/missing/x.mcap"], "the folder {tmp}/missing does not exist"),
    (["export", "LOG", "--mcap", "{tmp}"], "is a folder"),
    (["report", "LOG", "--out", "FILE"], "--out {tmp}/file.txt: is a file, not a folder"),
    (["report", "LOG", "--out", "FILE/sub"], "{tmp}/file.txt is a file, not a folder"),
])
def test_export_targets_are_checked_before_any_work(tmp_path: Path, capsys, argv, says) -> None:
    write_log(tmp_path / "a.glog")
    (tmp_path / "file.txt").write_text("x")
    args = [a.replace("LOG", str(tmp_path / "a.glog")).replace("FILE", str(tmp_path / "file.txt"))
            .replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["log", *args]) == 2
    err = capsys.readouterr().err
    assert says.replace("{tmp}", str(tmp_path)) in err and "Traceback" not in err


def test_a_cut_log_decodes_what_it_has(tmp_path: Path) -> None:
    write_log(tmp_path / "a.glog")
    data = (tmp_path / "a.glog").read_bytes()
    (tmp_path / "cut.glog").write_bytes(data[: len(data) // 2])
    d = decode_log(tmp_path / "cut.glog")
    assert 0 < len(d.messages) < 101 and d.report.torn_tail_bytes > 0


def test_replay_needs_every_navcam_frame_and_says_so(tmp_path: Path, capsys) -> None:
    write_log(tmp_path / "a.glog")
    assert main(["log", "replay", str(tmp_path / "a.glog")]) == 2
    assert "no navcam frames in the log (fly with [logger] navcam_all = true)" in capsys.readouterr().err


def test_replay_of_a_log_with_a_sample_of_the_frames_says_what_it_lacks(tmp_path: Path, capsys) -> None:
    write_log(tmp_path / "a.glog")
    w = LogWriter(tmp_path / "s.glog", {"software": "ginny test"}, lambda: 0)
    for seq in (1, 31, 61):  # one frame a second, as the logger keeps by default
        w.append(Kind.IMAGE, "navcam", seq * 33_000_000, {"file": f"images/{seq}.png", "frame_seq": seq})
    w.close()
    assert main(["log", "replay", str(tmp_path / "s.glog")]) == 2
    err = capsys.readouterr().err
    assert "the log lacks 58 of the 61 navcam frames" in err and "navcam_all = true" in err


def test_log_info_into_a_reader_that_stops_early_is_quiet(tmp_path: Path) -> None:
    """`ginny log info FILE | head`: the reader closes the pipe; no BrokenPipeError, exit 0."""
    import subprocess
    import sys

    w = LogWriter(tmp_path / "e.glog", {"software": "ginny test"}, lambda: 0)
    for k in range(3000):  # far more output than a pipe holds
        ev = m.Event(k * 1_000_000, "nav", "NOTE", m.Severity.ACTIVITY_LO, "x" * 40, 0)
        w.append(Kind.MESSAGE, "event", ev.t_ns, REGISTRY["event"].codec.encode(ev, Envelope("nav", k))[0])
    w.close()
    proc = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "log", "info", str(tmp_path / "e.glog")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err
