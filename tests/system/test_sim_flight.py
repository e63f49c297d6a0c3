"""`ginny sim` as a user runs it: whole flights of short plans through the whole stack, judged on the
simulator's truth from `summary.json`; the contingencies; and bad plans refused before anything starts.

(The full Flight 51/6/72 re-flights take minutes each: they are run by hand and reported, see the README.)
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fsw.logger.read import info
from sim_hal.backend.topics import sim_registry
from tests.conftest import timeout_scale

PLANS = Path(__file__).parent / "plans"
KEYS = {"plan", "terrain", "seed", "mode", "outcome", "sim_time_s", "wall_time_s", "flight", "nav", "tracker",
        "faults", "events"}
FLIGHT_KEYS = {"distance_m", "flight_time_s", "max_altitude_m", "max_tilt_deg", "touchdown_speed_mps",
               "touchdown_horizontal_speed_mps", "landing_error_m"}
NAV_KEYS = {"final_position_error_m", "max_position_error_m", "velocity_rms_error_mps", "altitude_rms_error_m",
            "vision_degraded_s"}
TRACKER_KEYS = {"frames", "dropped_frames", "p50_ms", "p99_ms", "max_ms", "deadline_misses"}


def wall_limit(timeout: float) -> list[str]:
    """Under an emulated CPU, `ginny sim`'s own wall-time limit stretches with the test's."""
    scale = timeout_scale()
    return ["--max-wall-seconds", str(timeout * scale)] if scale > 1 else []


def ginny_sim(out: Path, *args: str, timeout: float = 240) -> tuple[subprocess.CompletedProcess, dict | None]:
    run = subprocess.run([sys.executable, "-m", "ground.cli.main", "sim", "--out", str(out), *args,
                          *wall_limit(timeout)], capture_output=True, text=True, timeout=timeout * timeout_scale())
    summary = out / "summary.json"
    return run, json.loads(summary.read_text()) if summary.exists() else None


def ginny_sims(flights: dict[str, tuple[Path, tuple[str, ...]]], timeout: float = 300
               ) -> dict[str, tuple[subprocess.CompletedProcess, dict | None]]:
    """Several `ginny sim` runs side by side (a lockstep flight leaves part of the two cores idle, and depends
    on its seed and config alone): name -> (out, args) in, name -> (run, summary) out."""
    procs = {name: (out, subprocess.Popen([sys.executable, "-m", "ground.cli.main", "sim", "--out", str(out), *args,
                                           *wall_limit(timeout)],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
             for name, (out, args) in flights.items()}
    results = {}
    for name, (out, proc) in procs.items():
        stdout, stderr = proc.communicate(timeout=timeout * timeout_scale())
        run = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        summary = out / "summary.json"
        results[name] = run, json.loads(summary.read_text()) if summary.exists() else None
    return results


@pytest.fixture(scope="module")
def hop(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, dict | None]:
    """The short plan flown once with seed 2, every navcam frame logged (for `ginny log replay`), shared by the
    tests that read it."""
    from fsw.config.stack import DEFAULT_DIR

    folder = tmp_path_factory.mktemp("hop")
    stack = (DEFAULT_DIR / "sim_flight.toml").read_text()
    stack = stack.replace('topology = "topology.toml"', f'topology = "{DEFAULT_DIR / "topology.toml"}"')
    cfg = folder / "all_frames.toml"
    cfg.write_text(stack + "\n[logger]\nnavcam_all = true\n")
    out = folder / "hop"
    return (out, *ginny_sim(out, "--plan", str(PLANS / "hop.toml"), "--seed", "2", "--config", str(cfg)))


@pytest.mark.timeout(300)
def test_a_short_plan_is_flown_landed_and_reported(hop) -> None:
    out, run, s = hop
    assert run.returncode == 0, run.stdout + run.stderr
    assert KEYS <= set(s) and FLIGHT_KEYS <= set(s["flight"]) and NAV_KEYS <= set(s["nav"])
    assert TRACKER_KEYS <= set(s["tracker"])
    assert s["outcome"] == "landed" and s["plan"] == "hop" and s["seed"] == 2 and s["mode"] == "lockstep"
    f, n = s["flight"], s["nav"]
    assert 9.0 < f["distance_m"] < 12.0 and 4.5 < f["max_altitude_m"] < 6.5  # heights are held above the ground below
    assert f["landing_error_m"] < 1.0 and f["touchdown_speed_mps"] < 1.5 and not f["tipped_over"]
    assert n["final_position_error_m"] < 0.5 and n["vision_degraded_s"] == 0.0
    assert s["tracker"]["frames"] > 300 and s["tracker"]["dropped_frames"] == 0
    assert [m.split(":")[0] for m in s["modes"]] == [
        "IDLE -> PREFLIGHT", "PREFLIGHT -> ARMED", "ARMED -> SPIN_UP", "SPIN_UP -> TAKEOFF", "TAKEOFF -> FLY",
        "FLY -> LAND", "LAND -> LANDED"]
    assert len(s["images"]) == 1 and (out / s["images"][0]).stat().st_size > 1000  # the capture
    assert "landed" in run.stdout and "landing error" in run.stdout  # the summary table
    assert (out / "events.jsonl").read_text().count('"MODE"') == 7
    assert (out / "stack.toml").exists() and (out / "logs" / "nav.log").exists()
    flight_logs = sorted((out / "flightlog").glob("flight-*.glog"))
    assert len(flight_logs) == 1  # one flight: ARMED to LANDED
    log = info(flight_logs[0], sim_registry())
    assert not log["damaged"] and log["torn_tail_bytes"] == 0
    assert {"imu", "nav.state", "nav.track", "sim.truth", "event"} <= set(log["topics"])
    assert log["topics"]["imu"]["rate_hz"] > 400 and log["images"] >= 10  # navcam samples and the capture
    assert any("ARMED -> SPIN_UP" in e for e in log["event_list"])  # opened at ARMING
    assert s["report"] == "report/report.html" and (out / "report" / "trajectory.png").exists()
    cpu = s["cpu_s"]  # where the time went: every process's CPU seconds, and the total
    # control is hosted in the world's process in lockstep: its CPU is the world's
    assert {"world", "render", "nav", "logger", "health"} <= set(cpu) and min(cpu.values()) >= 0
    assert cpu["world"] > 0 and cpu["render"] > 0 and cpu["nav"] > 0
    assert cpu["total"] == pytest.approx(sum(v for k, v in cpu.items() if k != "total"), abs=0.2)
    assert "CPU s (most first)" in run.stdout


def _not_json(name: str) -> None:
    raise ValueError(f"not strict JSON: {name}")


def test_a_flights_mcap_has_a_schema_per_channel_and_strict_json_in_time_order(hop, tmp_path: Path) -> None:
    """What Foxglove needs of a real flight's log: every channel's fields and types, JSON any strict parser
    reads (no NaN), and messages in log-time order."""
    from mcap.reader import make_reader

    from ground.cli.main import main

    out, _, _ = hop
    flight_log = next((out / "flightlog").glob("flight-*.glog"))
    assert main(["log", "export", str(flight_log), "--mcap", str(tmp_path / "hop.mcap")]) == 0
    with open(tmp_path / "hop.mcap", "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        schemas = {s.id: json.loads(s.data) for s in summary.schemas.values()}
        assert summary.channels and all(c.schema_id in schemas for c in summary.channels.values())
        assert all(s["properties"] and s["type"] == "object" for s in schemas.values())
        times = []
        for schema, _, msg in reader.iter_messages(log_time_order=False):
            body = json.loads(msg.data, parse_constant=_not_json)
            assert set(body) == set(json.loads(schema.data)["properties"])
            times.append(msg.log_time)
    assert len(times) > 5000 and times == sorted(times)


@pytest.mark.timeout(300)
def test_flight_72_over_featureless_sand_degrades_vision_and_lands_now_gently(tmp_path: Path) -> None:
    run, s = ginny_sim(tmp_path / "f72", "--plan", "flight72")
    assert run.returncode == 3, run.stdout + run.stderr  # a contingency landing, not the plan's
    assert s["outcome"] == "land_now" and s["terrain"] == "ripples"
    assert any("-> LAND_NOW: vision degraded" in m for m in s["modes"]), s["modes"]
    assert s["nav"]["vision_degraded_s"] > 1.0
    f = s["flight"]
    # 0.6 m/s, was 0.5: since the world draws the ripples' relief where it is (it drew every slope wrong before,
    # sim_hal/model/render.py), the IMU-only descent drifts more: 0.58 m/s at touchdown, was 0.08 (issue 21's
    # note). Level all the way down: ranges over the ripples once swung the estimate, and control with it, to 16 deg
    assert f["touchdown_horizontal_speed_mps"] <= 0.6 and f["touchdown_speed_mps"] < 1.5 and not f["tipped_over"]
    assert f["max_tilt_deg"] < 5.0, f


@pytest.mark.timeout(300)
def test_the_navcam_going_dark_in_flight_lands_now(tmp_path: Path) -> None:
    """The navcam dark for good in flight: vision degrades, LAND_NOW brings the vehicle down on IMU and
    altimeter."""
    run, s = ginny_sim(tmp_path / "dark", "--plan", str(PLANS / "hop.toml"), "--fault", "navcam.off@16")
    assert run.returncode == 3, run.stdout + run.stderr
    assert any("-> LAND_NOW: vision degraded" in m for m in s["modes"]), s["modes"]
    assert s["faults"] == ["navcam.off@16"] and not s["flight"]["tipped_over"]
    events = (tmp_path / "dark" / "events.jsonl").read_text()
    assert '"name": "FAULT_INJECTED", "severity": "WARNING_HI", "text": "navcam.off@16"' in events
    assert s["flight"]["touchdown_speed_mps"] < 1.5


@pytest.mark.timeout(300)
def test_nearly_a_second_of_imu_garbage_in_flight_is_flown_on_the_rate_model_and_landed_level(tmp_path: Path) -> None:
    """0.9 s of garbage from the IMU (some of it plausible-looking) in flight: control flies the rate model's
    prediction, LAND_NOW follows, and the vehicle comes down level (zero torque used to let it tumble)."""
    run, s = ginny_sim(tmp_path / "g", "--plan", str(PLANS / "hop.toml"), "--fault", "imu.garbage@14:0.9")
    assert run.returncode == 3, run.stdout + run.stderr
    assert any("-> LAND_NOW: IMU implausible" in m for m in s["modes"]), s["modes"]
    f = s["flight"]
    assert not f["tipped_over"] and f["max_tilt_deg"] < 15 and f["touchdown_speed_mps"] < 1.5, f  # tumbling: 80+ deg


@pytest.mark.parametrize("content, reason", [
    ("speed = 3", "speed: unknown key"),
    ("[[waypoints]]\nnorth_m = 5000.0\neast_m = 0.0\naltitude_m = 5.0", "waypoints[0].north_m: must be within 1 km"),
    ("[[waypoints]]\nnorth_m = 5.0\neast_m = 0.0\naltitude_m = 5.0\nspeed_mps = 9.0",
     "waypoints[0].speed_mps: 9.0 m/s is above the plan's limit of 5.0 m/s"),
    ("[[waypoints]]\nnorth_m = 5.0\neast_m = 0.0\naltitude_m = 50.0", "waypoints[0].altitude_m: must be 1..25"),
])
def test_a_bad_plan_is_refused_with_file_key_and_reason(tmp_path: Path, content: str, reason: str) -> None:
    plan = tmp_path / "bad.toml"
    plan.write_text(f'name = "bad"\ntakeoff_altitude_m = 5.0\n{content}\n')
    run, s = ginny_sim(tmp_path / "out", "--plan", str(plan), timeout=60)
    assert run.returncode == 2 and s is None
    assert f"{plan}: {reason}" in run.stderr, run.stderr


def test_a_bad_terrain_or_fault_is_refused(tmp_path: Path) -> None:
    run, _ = ginny_sim(tmp_path / "a", "--plan", str(PLANS / "hop.toml"), "--terrain", "moon", timeout=60)
    assert run.returncode == 2 and "--terrain: 'moon' is not one of jezero, ripples, flat" in run.stderr
    run, _ = ginny_sim(tmp_path / "b", "--plan", str(PLANS / "hop.toml"), "--fault", "navcam.melt@3", timeout=60)
    assert run.returncode == 2 and "navcam.melt" in run.stderr


@pytest.mark.timeout(400)
def test_the_flight_6_timestamp_bug_bites_only_when_switched_back_on(tmp_path: Path) -> None:
    """A navcam frame lost mid-dash: with each frame's own exposure time the flight goes on level; with the
    frames' times counted from the first (Flight 6's bug, `frame_timestamps = "counted"`) it oscillates."""
    from fsw.config.stack import DEFAULT_DIR

    stack = (DEFAULT_DIR / "sim_flight.toml").read_text()
    stack = stack.replace('topology = "topology.toml"', f'topology = "{DEFAULT_DIR / "topology.toml"}"')
    bug = tmp_path / "bug.toml"
    bug.write_text(stack.replace("fusion_delay_ms = 150.0", 'fusion_delay_ms = 150.0\nframe_timestamps = "counted"'))
    args = ("--plan", str(PLANS / "dash.toml"), "--fault", "navcam.drop@30")
    runs = ginny_sims({"fixed": (tmp_path / "fixed", args), "buggy": (tmp_path / "buggy", (*args, "--config", str(bug)))})
    (run, fixed), (_, buggy) = runs["fixed"], runs["buggy"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert fixed["tracker"]["dropped_frames"] == 1 and buggy["tracker"]["dropped_frames"] == 1
    assert fixed["outcome"] == "landed" and fixed["flight"]["landing_error_m"] < 1.5, fixed["flight"]
    assert buggy["flight"]["max_tilt_deg"] > 10.0, buggy["flight"]
    # how hard the bug bites varies run to run (3-4x the velocity error): twice is the floor
    assert buggy["nav"]["velocity_rms_error_mps"] > 2 * fixed["nav"]["velocity_rms_error_mps"], buggy["nav"]
    assert buggy["nav"]["max_position_error_m"] > 3 * fixed["nav"]["max_position_error_m"], buggy["nav"]


@pytest.mark.timeout(300)
def test_log_replay_of_a_flight_reproduces_its_estimates_bit_for_bit(hop) -> None:
    """Every navcam frame kept; navigation re-run on the logged sensors gives the logged estimates exactly."""
    out, run, _ = hop
    assert run.returncode == 0, run.stdout + run.stderr
    boot = next((out / "flightlog").glob("boot-*.glog"))
    replay = subprocess.run([sys.executable, "-m", "ground.cli.main", "log", "replay", str(boot)],
                            capture_output=True, text=True, timeout=200)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "deterministic" in replay.stdout and "0 missing" in replay.stdout
    broken = subprocess.run([sys.executable, "-m", "ground.cli.main", "log", "replay",
                             str(next((out / "flightlog").glob("flight-*.glog")).with_suffix(".x"))],
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode == 2 and "cannot read" in broken.stderr


@pytest.mark.timeout(300)
def test_ctrl_c_in_flight_is_an_interrupted_flight_with_no_landing_figures(tmp_path: Path) -> None:
    """An operator's Ctrl-C while the vehicle hovers: the stack stops cleanly, and the summary says the flight
    was interrupted, in the air, with no touchdown, flight time or landing error it never measured."""
    import os
    import signal

    from tests.conftest import wait_until

    out = tmp_path / "f1"
    proc = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "sim", "--plan", "flight1", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    events = out / "events.jsonl"

    def hovering() -> bool:
        return events.exists() and "TAKEOFF -> FLY" in events.read_text()

    def a_moment() -> None:
        try:
            proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
    wait_until(lambda: hovering() or proc.poll() is not None, 200, a_moment, what="the vehicle at altitude")
    assert proc.poll() is None, "the flight ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole foreground group
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout
    s = json.loads((out / "summary.json").read_text())
    assert s["outcome"] == "interrupted" and s["stack_ok"], s
    f = s["flight"]
    assert f["down_at_end"] is False and f["max_altitude_m"] > 2.5
    assert all(f[k] is None for k in ("flight_time_s", "touchdown_speed_mps", "landing_error_m")), f
    assert "interrupted" in stdout
