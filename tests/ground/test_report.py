"""The flight report from a small synthetic flight log: every plot, the modes, the events, offline HTML."""
from __future__ import annotations

import json
from pathlib import Path

from sim_hal.backend.messages import SimTruth
from fsw.bus import messages as m
from fsw.bus.message import Envelope
from sim_hal.backend.topics import sim_registry
from fsw.logger.logfile import Kind
from fsw.logger.writer import LogWriter
from ground.cli.main import main
from fsw.logger.read import decode_log
from ground.report import collect, write_report

REGISTRY = sim_registry()


def put(w: LogWriter, topic: str, msg: m.Message) -> None:
    w.append(Kind.MESSAGE, topic, msg.t_ns, REGISTRY[topic].codec.encode(msg, Envelope("x", 1))[0])


def flight_log(path: Path) -> None:
    w = LogWriter(path, {"software": "ginny test"}, lambda: 0)
    put(w, "event", m.Event(0, "control", "MODE", m.Severity.ACTIVITY_HI, "SPIN_UP -> TAKEOFF: flying hopper", 0))
    for k in range(200):
        t = k * 50_000_000
        h = min(k * 0.1, 5.0)
        put(w, "nav.state", m.NavState(t, (k * 0.05, 0.0, -h), (1.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.1,) * 3,
                                       (0.1,) * 3, (0.01,) * 3, True, m.VisionStatus.GOOD, k, 0.0))
        put(w, "sim.truth", SimTruth(t, (k * 0.05, 0.01, -h - 0.1), (1.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0),
                                       (0.0, 0.0, 0.0), h, "airborne", 2537.0, 6.7))
        put(w, "nav.track", m.NavTrack(t, k, 100, 90, 0, False, 5.0 + (k % 40), 20.0))
    put(w, "event", m.Event(5_000_000_000, "world", "FAULT_INJECTED", m.Severity.WARNING_HI, "navcam.drop@5", 0))
    put(w, "event", m.Event(9_000_000_000, "nav", "DEADLINE_MISS", m.Severity.WARNING_HI, "frame 7 took 44 ms", 0))
    put(w, "event", m.Event(8_000_000_000, "control", "MODE", m.Severity.ACTIVITY_HI, "FLY -> LAND: plan done", 0))
    put(w, "nav.state", m.NavState(9_500_000_000, (0.0, 0.0, 5.0), (0.0,) * 3, (1.0, 0.0, 0.0, 0.0), (9.0,) * 3,
                                   (9.0,) * 3, (1.0,) * 3, False, m.VisionStatus.LOST, 0, 0.0))  # a restarted nav
    w.close()


def test_the_report_has_every_plot_the_modes_and_the_events(tmp_path: Path) -> None:
    flight_log(tmp_path / "f.glog")
    page, _ = write_report(tmp_path / "f.glog", tmp_path / "rep")
    names = sorted(p.name for p in (tmp_path / "rep").glob("*.png"))
    assert names == ["altitude.png", "attitude.png", "features.png", "tracker_time.png", "trajectory.png",
                     "velocity.png"]
    text = page.read_text()
    assert text.count("data:image/png;base64,") == 6 and "http" not in text  # self-contained, offline
    assert "TAKEOFF (0.0 s)" in text and "DEADLINE_MISS: frame 7 took 44 ms" in text
    assert "200 frames tracked, 55 over the deadline" in text
    assert "<h2>Faults</h2><pre>    5.00 s  world    WARNING_HI  FAULT_INJECTED: navcam.drop@5" in text
    assert "<tr><th>plan</th><td>hopper</td></tr><tr><th>outcome</th><td>the log ends in LAND</td>" in text
    assert "messages lost on the bus: none" in text
    events = text.split("<h2>Events</h2><pre>")[1]
    assert events.index("FLY -&gt; LAND") < events.index("DEADLINE_MISS")  # in time order, not log order


def test_an_invalid_estimate_is_not_plotted_as_a_position(tmp_path: Path) -> None:
    flight_log(tmp_path / "f.glog")
    f = collect(decode_log(tmp_path / "f.glog", REGISTRY))
    assert len(f.nav_pos.t) == 200 and max(p[2] for p in f.nav_pos.v) <= 0.0
    assert [mode for _, mode in f.modes] == ["TAKEOFF", "LAND"]


def test_a_simulated_flight_report_leads_with_its_summary(tmp_path: Path) -> None:
    (tmp_path / "flightlog").mkdir()
    flight_log(tmp_path / "flightlog" / "f.glog")
    (tmp_path / "summary.json").write_text(json.dumps({"plan": "hopper", "outcome": "landed", "flight": {
        "flight_time_s": 12.25, "distance_m": 10.0, "landing_error_m": 0.31, "touchdown_speed_mps": 0.5,
        "max_tilt_deg": 4.0}}))
    text = write_report(tmp_path / "flightlog" / "f.glog", tmp_path / "rep")[0].read_text()
    assert "<th>outcome</th><td>landed</td>" in text and "<th>landing error</th><td>0.31 m</td>" in text
    assert "<th>flight time</th><td>12.2 s</td>" in text or "<th>flight time</th><td>12.3 s</td>" in text


def test_the_cli_writes_a_report_and_refuses_what_is_not_a_log(tmp_path: Path, capsys) -> None:
    flight_log(tmp_path / "f.glog")
    assert main(["log", "report", str(tmp_path / "f.glog")]) == 0
    assert (tmp_path / "f-report" / "report.html").exists()
    (tmp_path / "x.glog").write_text("nope")
    assert main(["log", "report", str(tmp_path / "x.glog")]) == 2
    assert "not a ginny flight log" in capsys.readouterr().err
