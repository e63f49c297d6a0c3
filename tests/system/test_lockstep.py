"""The lockstep contract (docs/lockstep.md), as a user meets it: the same seed and config give the same flight
whatever else the machine is doing, and a participant that stops answering ends the run, naming itself."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fsw.config import read_toml
from fsw.config.stack import DEFAULT_DIR
from fsw.logger.compare import compare_logs
from sim_hal.backend.topics import sim_registry
from sim_hal.worldproc.config import DEFAULT_WORLD
from tests.system.test_sim_flight import PLANS, ginny_sim

HOG = "while True: pass"
SAME_FIGURES = ("outcome", "flight", "nav", "modes", "faults")


def _starved_config(tmp_path: Path) -> Path:
    """The bundled lockstep stack with navigation at a smaller CPU share than the busy loop beside it (nice 8:
    a sixth of its; at nice 12, a fifteenth, the loaded flight took 85 s of the suite, at 19 minutes), and the
    camera at nice 19 (a camera slow to join the world once lost the first frames: time had started without
    it, and navigation's first estimate came 20 ms later)."""
    import tomli_w

    raw = read_toml(DEFAULT_DIR / "sim_flight.toml")
    raw["stack"]["topology"] = str(DEFAULT_DIR / "topology.toml")
    raw["processes"]["nav"]["nice"] = 8
    raw["processes"]["camera"]["nice"] = 19
    path = tmp_path / "starved.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


def _flight_log(out: Path) -> Path:
    logs = sorted((out / "flightlog").glob("flight-*.glog"))
    assert len(logs) == 1, logs
    return logs[0]


@pytest.mark.timeout(900)
def test_the_same_seed_flies_the_same_flight_on_a_loaded_machine(tmp_path: Path) -> None:
    plan = str(PLANS / "jump.toml")
    run, alone = ginny_sim(tmp_path / "alone", "--plan", plan, "--seed", "3", timeout=400)
    assert run.returncode == 0, run.stdout + run.stderr
    hogs = [subprocess.Popen([sys.executable, "-c", HOG])]  # a whole core of load (two took 94 s of the suite)
    try:
        run, loaded = ginny_sim(tmp_path / "loaded", "--plan", plan, "--seed", "3", "--config",
                                str(_starved_config(tmp_path)), timeout=800)
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    assert run.returncode == 0, run.stdout + run.stderr
    for key in SAME_FIGURES:
        assert loaded[key] == alone[key], key
    assert {k: loaded["world"][k] for k in ("steps", "frames", "ended")} == \
        {k: alone["world"][k] for k in ("steps", "frames", "ended")}
    assert loaded["tracker"]["frames"] == alone["tracker"]["frames"]
    result = compare_logs(_flight_log(tmp_path / "alone"), _flight_log(tmp_path / "loaded"), sim_registry())
    assert result.identical, [str(d) for d in result.differences]
    assert result.messages > 5_000 and result.streams >= 8  # the flight's IMU, actuators, estimates, events ...
    assert alone["images"] and loaded["images"]  # the colour capture, exposed at the same instant in both


@pytest.mark.timeout(300)
def test_a_participant_that_stops_answering_ends_the_run_and_names_itself(tmp_path: Path) -> None:
    """Control stopped (SIGSTOP) mid-flight, with a supervisor that would wait longer than the world: time
    does not step on without it; after the hang limit the run ends with exit code 5 and says who and when."""
    import tomli_w

    stack = read_toml(DEFAULT_DIR / "sim_flight.toml")
    stack["stack"]["topology"] = str(DEFAULT_DIR / "topology.toml")
    stack["processes"]["control"]["heartbeat_timeout_ms"] = 120_000
    (tmp_path / "stack.toml").write_text(tomli_w.dumps(stack))
    world = read_toml(DEFAULT_WORLD)
    world["hang_timeout_ms"] = 2_000
    (tmp_path / "world.toml").write_text(tomli_w.dumps(world))
    run, s = ginny_sim(tmp_path / "out", "--plan", str(PLANS / "hop.toml"), "--fault", "proc.control.hang@5",
                       "--config", str(tmp_path / "stack.toml"), "--world", str(tmp_path / "world.toml"),
                       timeout=240)
    assert run.returncode == 5, run.stdout + run.stderr
    assert s["outcome"] == "aborted" and s["world"]["ended"] == "hang"
    hang = re.match(r"control stopped answering at t=([0-9.]+) s, step (\d+)", s["world"]["hang"])
    assert hang and 5.0 <= float(hang[1]) < 6.0 and int(hang[2]) == round(float(hang[1]) * 500), s["world"]["hang"]
    events = [json.loads(line) for line in (tmp_path / "out" / "events.jsonl").read_text().splitlines()]
    hangs = [e for e in events if e["name"] == "LOCKSTEP_HANG"]
    assert len(hangs) == 1 and hangs[0]["source"] == "world" and hangs[0]["text"].startswith("control")
    assert "control stopped answering" in run.stdout
