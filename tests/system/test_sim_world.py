"""The whole stack flying the simulated world in lockstep, driven as an operator would (`ginny run --world`):
the same seed gives the same flight-side data bit for bit, another seed other data; faults reach the flight
software."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fsw.bus.reader import BusReader
from sim_hal.backend.topics import sim_registry
from fsw.bus.topology import Topology
from fsw.config.stack import DEFAULT_DIR
from tests.conftest import wait_until

WORLD = """
seed = {seed}
terrain = "flat"
terrain_extent_m = 300.0
faults = {faults}
[wind]
gust_std_mps = 0.5
[script]
waypoints = [[0.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.0], [4.5, 0.0, 0.0, 5.0], [7.5, 4.0, 0.0, 5.0]]
"""
TOPICS = ["imu", "altimeter", "navcam", "sim.truth", "nav.state"]


def fly(tmp_path: Path, run_dir: str, seed: int, faults: list[str] = (), seconds: float = 7.5,
        cli_faults: list[str] = ()) -> dict:
    """Run the stack and the world; return, per topic, what the flight software published (as digests)."""
    world = tmp_path / f"world-{seed}-{len(faults)}.toml"
    world.write_text(WORLD.format(seed=seed, faults=list(faults)).replace("'", '"'))
    topology = Topology.load(DEFAULT_DIR / "topology.toml", sim_registry(), run_dir)
    got: dict[str, list] = {t: [] for t in TOPICS}
    with BusReader(topology, TOPICS) as reader:
        proc = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "run", "--run-dir", run_dir, "--world",
                                 str(world), "--sim-seconds", str(seconds),
                                 *[a for f in cli_faults for a in ("--fault", f)]], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        wait_until(lambda: proc.poll() is not None, 120.0,
                   lambda: [got[r.topic].append(r.msg) for r in reader.poll(20)], what="the flight to end")
        got_rest = reader.poll(200)
        for r in got_rest:
            got[r.topic].append(r.msg)
    out = proc.stdout.read()
    assert proc.returncode == 0, out
    assert re.search(r"world    time at t=[0-9.]+ s: \d+ steps", out), out
    return got


def digest(msgs: list, t_from_ns: int = 1_000_000_000) -> list:
    """What each message says, from t_from on (earlier ones may precede the reader's connection)."""
    out = []
    for m in msgs:
        if m.t_ns < t_from_ns:
            continue
        if hasattr(m, "pixels"):
            out.append((m.t_ns, m.frame_seq, hashlib.sha256(m.pixels.tobytes()).hexdigest()))
        else:
            out.append(repr(m))
    return out


@pytest.mark.timeout(300)
def test_lockstep_is_deterministic_per_seed(tmp_path: Path, run_dir: str) -> None:
    a = fly(tmp_path, run_dir, seed=7)
    b = fly(tmp_path, run_dir + "-b", seed=7)
    c = fly(tmp_path, run_dir + "-c", seed=8)
    for topic in TOPICS:
        assert digest(a[topic]), f"no {topic} after 1 s"
        assert digest(a[topic]) == digest(b[topic]), f"{topic} differs between two runs with one seed"
    assert len(digest(a["imu"])) == 3251  # 1 s to 7.5 s at 500 Hz: every sample, through the control process
    assert digest(a["imu"]) != digest(c["imu"])
    assert digest(a["navcam"]) != digest(c["navcam"])
    assert digest(a["nav.state"]) != digest(c["nav.state"])


@pytest.mark.timeout(200)
def test_navigation_follows_the_flight(tmp_path: Path, run_dir: str) -> None:
    got = fly(tmp_path, run_dir, seed=5)
    truth = {t.t_ns: t for t in got["sim.truth"]}
    errors = []
    for s in got["nav.state"]:
        if s.t_ns in truth and s.t_ns > 1_000_000_000:
            errors.append(np.linalg.norm(np.array(s.pos_m) - np.array(truth[s.t_ns].pos_m)))
    assert len(errors) > 50
    assert max(errors) < 0.5, f"nav position error up to {max(errors):.2f} m on a short hop"
    last = got["nav.state"][-1]
    assert last.vision.name == "GOOD" and last.valid


@pytest.mark.timeout(200)
def test_a_dropped_frame_reaches_nav_as_a_gap_and_time_stays_true(tmp_path: Path, run_dir: str) -> None:
    got = fly(tmp_path, run_dir, seed=3, cli_faults=["navcam.drop@4"])  # as an operator gives it
    frames = [(f.frame_seq, f.t_ns) for f in got["navcam"] if f.t_ns > 1_000_000_000]
    seqs = [s for s, _ in frames]
    missing = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))
    assert len(missing) == 1
    # the frames after the gap keep their own exposure times: 33.3 ms apart, two periods across the gap
    after = [t for s, t in frames if s > missing[0]]
    periods = [round((b - a) / 1e6) for a, b in zip(after, after[1:])]
    assert set(periods) <= {32, 34}


def test_a_bad_fault_spec_is_refused_before_anything_starts(run_dir: str) -> None:
    run = subprocess.run([sys.executable, "-m", "ground.cli.main", "run", "--run-dir", run_dir, "--world",
                          "sim_hal/worlds/hop.toml", "--fault", "inclinometer.delay@3"],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert "inclinometer does not support delay" in run.stderr
