"""A flight log read back: info, CSV per topic and MCAP (through the `mcap` library's own reader)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from mcap.reader import make_reader

from fsw.bus import messages as m
from fsw.bus.message import Envelope
from sim_hal.backend.topics import sim_registry
from fsw.logger.logfile import Kind
from fsw.logger.read import decode_log, export_csv, export_mcap, info
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
    files = export_csv(tmp_path / "a.glog", tmp_path / "csv")
    assert sorted(f.name for f in files) == ["altimeter.csv", "event.csv"]
    rows = list(csv.DictReader(open(tmp_path / "csv" / "altimeter.csv")))
    assert len(rows) == 100 and rows[3]["t_ns"] == "30000000" and float(rows[3]["range_m"]) == 5.03


def test_mcap_export_reads_back_through_the_mcap_reader(tmp_path: Path) -> None:
    write_log(tmp_path / "a.glog")
    assert export_mcap(tmp_path / "a.glog", tmp_path / "a.mcap") == 101
    with open(tmp_path / "a.mcap", "rb") as f:
        got = [(c.topic, msg.log_time, json.loads(msg.data)) for _, c, msg in make_reader(f).iter_messages()]
    assert len(got) == 101 and got[0][0] == "altimeter" and got[5][2]["range_m"] == 5.05
    assert [g for g in got if g[0] == "event"][0][2]["severity"] == "WARNING_HI"


def test_the_cli_reports_and_refuses_what_is_not_a_log(tmp_path: Path, capsys) -> None:
    write_log(tmp_path / "a.glog")
    assert main(["log", "info", str(tmp_path / "a.glog")]) == 0
    assert "altimeter" in capsys.readouterr().out
    (tmp_path / "b.txt").write_text("hello")
    assert main(["log", "info", str(tmp_path / "b.txt")]) == 2
    assert "not a ginny flight log" in capsys.readouterr().err
    assert main(["log", "export", str(tmp_path / "a.glog"), "--mcap", str(tmp_path / "x.mcap")]) == 0


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
