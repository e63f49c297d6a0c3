"""`ginny bench accuracy`: navigation's accuracy over a fixed matrix of flights, simulated and replayed.

Simulated cases fly a one-leg plan with `ginny sim` (lockstep, seed 1): a speed of 2, 5 or 10 m/s, a height of
5, 12 or 24 m, 100-700 m long, over `jezero` or over `hills` (a 20 m rise of 10% slopes); their figures come from
the flight log (every navigation estimate against the truth of its instant, the start aligned at rest on the
ground). Replayed cases are datasets of real photographs (`tools/navdata.py`: scikit-image's gravel and lunar
photographs, on flat and sloping ground, IMU and laser as the sensor models have them), starting on the ground
or in the air, run through `ginny replay`; their truth is in the dataset. Each case's figures:
`ground/navmetrics.py`.
"""
from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from fsw.bus.messages import VisionStatus
from ground.navmetrics import Track, interpolate, metrics
from tools.navdata import GROUNDTRUTH, Flight

NS = 1e-9


@dataclass(frozen=True)
class SimCase:
    name: str
    terrain: str
    speed_mps: float
    height_m: float
    distance_m: float
    heading_deg: float

    def plan(self) -> str:
        """A one-leg plan: climb, fly, hold 2 s, land."""
        a = math.radians(self.heading_deg)
        north, east = self.distance_m * math.cos(a), self.distance_m * math.sin(a)
        return (f'name = "{self.name}"\ndescription = "accuracy: {self.distance_m:g} m at {self.speed_mps:g} m/s, '
                f'{self.height_m:g} m up"\nterrain = "{self.terrain}"\ntakeoff_altitude_m = {self.height_m}\n\n'
                f"[limits]\nmax_speed_mps = {max(5.0, self.speed_mps)}\n\n"
                f"[[waypoints]]\nnorth_m = {north:.3f}\neast_m = {east:.3f}\naltitude_m = {self.height_m}\n"
                f"speed_mps = {self.speed_mps}\nhold_s = 2.0\n")


@dataclass(frozen=True)
class ReplayCase:
    name: str
    flight: Flight


SIM_CASES = (  # every speed, height, a spread of lengths, both terrains (hills: north, across the rise)
    SimCase("jezero_2mps_5m_100m", "jezero", 2.0, 5.0, 100.0, 0.0),
    SimCase("jezero_5mps_12m_400m", "jezero", 5.0, 12.0, 400.0, 45.0),
    SimCase("jezero_10mps_24m_700m", "jezero", 10.0, 24.0, 700.0, 90.0),
    SimCase("jezero_10mps_12m_600m", "jezero", 10.0, 12.0, 600.0, 200.0),
    SimCase("hills_5mps_24m_400m", "hills", 5.0, 24.0, 400.0, 0.0),
    SimCase("hills_2mps_24m_260m", "hills", 2.0, 24.0, 260.0, 0.0),
)
REPLAY_CASES = (
    ReplayCase("gravel_ground", Flight("gravel", "ground")),
    ReplayCase("gravel_air", Flight("gravel", "air")),
    ReplayCase("gravel_slope_air", Flight("gravel_slope", "air")),
    ReplayCase("lunar_air", Flight("lunar", "air")),
)
GOALS = {"sim": {"final_error_pct": 0.5, "altitude_rmse_m": 0.2, "speed_rmse_mps": 0.05, "vision_degraded_s": 0.0},
         "replay": {"final_error_pct": 1.0, "altitude_rmse_m": 0.2, "speed_rmse_mps": 0.05}}
COLUMNS = ("final_error_pct", "final_error_m", "ate_rmse_m", "speed_rmse_mps", "altitude_rmse_m",
           "vision_degraded_s", "within_3sigma")


def run_sim_case(case: SimCase, out: Path, seed: int = 1) -> dict[str, Any]:
    """Fly the case with `ginny sim` into `out`/NAME; its figures from the flight log."""
    plan = out / f"{case.name}.toml"
    plan.write_text(case.plan())
    folder = out / case.name
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ground.cli.main", "sim", "--plan", str(plan), "--seed", str(seed),
                           "--out", str(folder)], capture_output=True, text=True)
    summary = json.loads((folder / "summary.json").read_text()) if (folder / "summary.json").exists() else {}
    result = {"kind": "sim", "outcome": summary.get("outcome", f"exit {done.returncode}"),
              "wall_s": round(time.monotonic() - t0, 1)}
    log = next(iter(sorted((folder / "flightlog").glob("flight-*.glog"))), None)
    if log is not None:
        result.update(metrics(flight_track(log)))
    return result


def flight_track(log: Path) -> Track:
    """Every navigation estimate of a flight log against the truth at its instant (interpolated between the
    world's truth samples), in the world's frame: the estimate moved by the offset between the two at the
    first estimate, taken at rest on the ground."""
    from fsw.logger.read import decode_log
    from sim_hal.backend.topics import sim_registry

    d = decode_log(log, sim_registry())
    truth = [m for topic, m in d.messages if topic == "sim.truth"]
    tt = np.array([m.t_ns for m in truth]) * NS
    nav = {m.t_ns: m for topic, m in d.messages if topic == "nav.state" and m.valid and tt[0] <= m.t_ns * NS <= tt[-1]}
    nav = [nav[k] for k in sorted(nav)]  # a frame's estimate is published for its exposure, after later IMU ones
    t = np.array([m.t_ns for m in nav]) * NS
    true_p = interpolate(tt, t, np.array([m.pos_m for m in truth]))
    true_v = interpolate(tt, t, np.array([m.vel_mps for m in truth]))
    est_p = np.array([m.pos_m for m in nav])
    est_p = est_p + (true_p[0] - est_p[0])
    return Track(t, est_p, true_p, np.array([m.vel_mps for m in nav]), true_v, np.array([m.pos_std_m for m in nav]),
                 np.array([m.vision is VisionStatus.DEGRADED for m in nav]))


def run_replay_case(case: ReplayCase, out: Path) -> dict[str, Any]:
    """Write the case's dataset into `out`/NAME, replay it, compare with its ground truth."""
    from tools.navdata import write_dataset

    folder = out / case.name
    t0 = time.monotonic()
    write_dataset(folder / "data", case.flight)
    done = subprocess.run([sys.executable, "-m", "ground.cli.main", "replay", str(folder / "data"), "--out",
                           str(folder / "replay"), "--quiet"], capture_output=True, text=True)
    result = {"kind": "replay", "outcome": "replayed" if done.returncode == 0 else f"exit {done.returncode}",
              "wall_s": round(time.monotonic() - t0, 1)}
    if done.returncode == 0:
        result.update(metrics(replay_track(folder / "replay" / "trajectory.csv", folder / "data")))
    return result


def replay_track(trajectory: Path, dataset: Path) -> Track:
    """A replay's estimates (one a frame) against the dataset's ground truth (already in navigation's frame)."""
    rows = list(csv.DictReader(trajectory.open()))
    col = lambda *keys: np.array([[float(r[k]) for k in keys] for r in rows])  # noqa: E731
    t = col("t_ns")[:, 0] * NS
    truth = np.loadtxt(dataset / "mav0" / GROUNDTRUTH / "data.csv", delimiter=",", comments="#")
    tt = truth[:, 0] * NS
    return Track(t, col("x_m", "y_m", "z_m"), interpolate(tt, t, truth[:, 1:4]), col("vx_mps", "vy_mps", "vz_mps"),
                 interpolate(tt, t, truth[:, 8:11]), col("x_sd_m", "y_sd_m", "z_sd_m"),
                 np.array([r["vision"] == "DEGRADED" for r in rows]))


def run_matrix(out: Path, only: str = "", progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Every case (or those whose name contains `only`), then the goals each meets."""
    cases: dict[str, Any] = {}
    for case in SIM_CASES + REPLAY_CASES:
        if only and only not in case.name:
            continue
        progress(case.name)
        run = run_sim_case if isinstance(case, SimCase) else run_replay_case
        cases[case.name] = r = run(case, out)
        r["goals_met"] = all(r.get(k, float("inf")) <= v for k, v in GOALS[r["kind"]].items())
        r["within_3sigma_met"] = r.get("within_3sigma", 0.0) >= 0.99
    return {"cases": cases, "all_goals_met": all(c["goals_met"] and c["within_3sigma_met"] for c in cases.values())}


def table(result: dict[str, Any]) -> str:
    """The matrix as a Markdown table (the README's)."""
    head = "| case | outcome | " + " | ".join(COLUMNS) + " | goals |\n|" + "---|" * (len(COLUMNS) + 3) + "\n"
    rows = []
    for name, r in result["cases"].items():
        cells = [str(r.get(k, "-")) for k in COLUMNS]
        verdict = "met" if r["goals_met"] and r["within_3sigma_met"] else "NOT met"
        rows.append(f"| {name} | {r['outcome']} | " + " | ".join(cells) + f" | {verdict} |")
    return head + "\n".join(rows)
