"""Flying one campaign flight (what a Dask worker runs): its inputs written, `ginny sim` run into a fresh
attempt folder, the folder renamed into place, and the flight's row written to the results as one small
Parquet file. A flight whose row is already there is not flown again (a task retried after its worker died
once the flight was done), and an attempt that did not finish leaves nothing in place of the flight.

The run is a whole `ginny sim` in a child process, told to end if the worker dies (PR_SET_PDEATHSIG: the
worker's pid goes to it in GINNY_SUPERVISOR_PID), so a killed worker leaves no flight behind it.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import tomli_w

from fsw.config import read_toml
from fsw.control.plan import plan_path
from fsw.config.sensors import DEFAULT_SENSORS
from fsw.health.supervision import PARENT_ENV
from fsw.logger.process import SOFTWARE
from ground.campaign.draw import FlightJob, survivable
from ground.campaign.table import read_row, write_row
from sim_hal.model.params import DEFAULT_VEHICLE, load_vehicle
from sim_hal.run.simflight import SIM_STACK
from sim_hal.worldproc.config import DEFAULT_WORLD

HARD_LANDING_MPS = load_vehicle().gear.max_touchdown_vertical_mps  # the gear's limit: harder is a lost vehicle
_VEHICLE_KEYS = ("mass_scale", "inertia_scale", "thrust_scale")
_SENSOR_KEYS = ("imu_bias_scale", "imu_noise_scale", "altimeter_noise_scale", "navcam_exposure_scale",
                "navcam_noise_scale")


def fly(job: FlightJob, campaign_dir: str) -> dict[str, Any]:
    """Fly `job` (unless its row is already written) and return its row."""
    root = Path(campaign_dir)
    done = read_row(root, job.flight_id)
    if done is not None:
        return done
    inputs = write_inputs(job, root / "inputs" / job.flight_id)
    attempt = root / "flights" / f".{job.flight_id}.attempt-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    code, tail = run_sim(job, inputs, attempt)
    wall_s = time.monotonic() - started
    final = root / "flights" / job.flight_id
    if final.exists():
        shutil.rmtree(final)  # an attempt that got this far before, but whose row was never written
    os.replace(attempt, final)
    row = make_row(job, final, inputs, code, wall_s, tail)
    write_row(root, job.flight_id, row)
    return row


def run_sim(job: FlightJob, inputs: Path, out: Path) -> tuple[int, str]:
    """`ginny sim` for the job into `out`; its exit code and the last lines it printed."""
    return _run(sim_args(job, inputs, out))


def sim_args(job: FlightJob, inputs: Path, out: Path) -> list[str]:
    args = [sys.executable, "-m", "ground.cli.main", "sim", "--plan", job.plan, "--seed", str(job.seed),
            "--world", str(inputs / "world.toml"), "--out", str(out)]
    if "terrain" in job.draws:
        args += ["--terrain", job.draws["terrain"]]
    if job.max_sim_seconds is not None:
        args += ["--max-sim-seconds", str(job.max_sim_seconds)]
    for spec in job.faults:
        args += ["--fault", spec]
    return args


def _run(args: list[str]) -> tuple[int, str]:
    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                          env=env, text=True, errors="replace", timeout=24 * 3600)
    return proc.returncode, "\n".join(proc.stdout.strip().splitlines()[-3:])


def write_inputs(job: FlightJob, folder: Path) -> Path:
    """The world, vehicle and sensor files of the job's draws (the bundled ones, changed), and the job."""
    folder.mkdir(parents=True, exist_ok=True)
    d = job.draws
    world = read_toml(DEFAULT_WORLD)
    world.pop("script", None)
    _wind(world, d)
    if "terrain_seed" in d:
        world["terrain_seed"] = int(d["terrain_seed"])
    world["start"] = {**world.get("start", {}), "north_m": float(d.get("start_north_m", 0.0)),
                      "east_m": float(d.get("start_east_m", 0.0))}
    if any(k in d for k in _VEHICLE_KEYS):
        world["vehicle"] = str(_write(folder / "vehicle.toml", _vehicle(d)))
    if any(k in d for k in _SENSOR_KEYS):
        world["sensors"] = str(_write(folder / "sensors.toml", _sensors(d)))
    _write(folder / "world.toml", world)
    (folder / "job.json").write_text(json.dumps({**job.__dict__, "faults": list(job.faults)}, indent=1) + "\n")
    return folder


def _wind(world: dict, d: dict) -> None:
    wind = world.setdefault("wind", {})
    if "wind_speed_mps" in d or "wind_from_deg" in d:
        speed, toward = float(d.get("wind_speed_mps", 0.0)), math.radians(float(d.get("wind_from_deg", 0.0)) + 180)
        wind["north_mps"], wind["east_mps"] = round(speed * math.cos(toward), 6), round(speed * math.sin(toward), 6)
    if "gust_std_mps" in d:
        wind["gust_std_mps"] = float(d["gust_std_mps"])


def _vehicle(d: dict) -> dict:
    v = read_toml(DEFAULT_VEHICLE)
    body, rotor = v["body"], v["rotor"]
    body["mass_kg"] *= d.get("mass_scale", 1.0)
    body["inertia_kgm2"] = [i * d.get("inertia_scale", 1.0) for i in body["inertia_kgm2"]]
    rotor["max_thrust_n"] *= d.get("thrust_scale", 1.0)
    rotor["max_torque_nm"] = [t * d.get("thrust_scale", 1.0) for t in rotor["max_torque_nm"]]
    return v


def _sensors(d: dict) -> dict:
    s = read_toml(DEFAULT_SENSORS)
    imu, bias, noise = s["imu"], d.get("imu_bias_scale", 1.0), d.get("imu_noise_scale", 1.0)
    for key in ("gyro_bias_radps", "accel_bias_mps2", "gyro_random_walk_radps_per_sqrt_s",
                "accel_random_walk_mps2_per_sqrt_s"):
        imu[key] *= bias
    imu["gyro_noise_radps"] *= noise
    imu["accel_noise_mps2"] *= noise
    s["altimeter"]["noise_std_m"] *= d.get("altimeter_noise_scale", 1.0)
    s["navcam"]["exposure_us"] *= d.get("navcam_exposure_scale", 1.0)
    s["navcam"]["noise_std_dn"] *= d.get("navcam_noise_scale", 1.0)
    return s


def _write(path: Path, raw: dict) -> Path:
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path.resolve()


def make_row(job: FlightJob, out: Path, inputs: Path, code: int, wall_s: float, tail: str) -> dict[str, Any]:
    """The flight's row: who it was (id, seed, draws, faults, config hash, version), and how it went."""
    path = out / "summary.json"
    s = json.loads(path.read_text()) if path.exists() else {}
    fl, nav = s.get("flight", {}) or {}, s.get("nav", {}) or {}
    outcome = s.get("outcome", "aborted")
    touchdown = fl.get("touchdown_speed_mps")
    row = {"flight_id": job.flight_id, "index": job.index, "plan": job.plan, "seed": job.seed,
           "faults": " ".join(job.faults), "survivable": survivable(job.faults), "outcome": outcome,
           "exit_code": code, "sim_time_s": s.get("sim_time_s"), "flight_time_s": fl.get("flight_time_s"),
           "distance_m": fl.get("distance_m"), "landing_error_m": fl.get("landing_error_m"),
           "touchdown_speed_mps": touchdown, "touchdown_horizontal_speed_mps": fl.get("touchdown_horizontal_speed_mps"),
           "max_tilt_deg": fl.get("max_tilt_deg"), "tipped_over": bool(fl.get("tipped_over")),
           "nav_final_error_m": nav.get("final_position_error_m"), "nav_max_error_m": nav.get("max_position_error_m"),
           "velocity_rms_error_mps": nav.get("velocity_rms_error_mps"),
           "altitude_rms_error_m": nav.get("altitude_rms_error_m"), "vision_degraded_s": nav.get("vision_degraded_s"),
           "errors": (s.get("events") or {}).get("error", 0), "fatal": (s.get("events") or {}).get("fatal", 0),
           "lost": outcome in ("crashed", "aborted") or bool(fl.get("tipped_over")) or (touchdown or 0) > HARD_LANDING_MPS,
           "explanation": explain(out / "events.jsonl", outcome) or ("" if s else tail),
           "wall_s": round(wall_s, 2), "config_hash": config_hash(job, inputs), "software": SOFTWARE,
           "worker": socket.gethostname()}
    return {**row, **job.draws}


def config_hash(job: FlightJob, inputs: Path) -> str:
    """SHA-256 (16 hex digits) of what the flight was flown from, wherever the campaign's folder is: the
    base stack config, the plan, the world (without the paths of its vehicle and sensor files), those files,
    and the seed and faults."""
    h = hashlib.sha256()
    world = read_toml(inputs / "world.toml")
    world.pop("vehicle", None)
    world.pop("sensors", None)
    parts = [SIM_STACK.read_bytes(), plan_text(job.plan), tomli_w.dumps(world).encode(),
             json.dumps([job.seed, list(job.faults), job.draws.get("terrain")]).encode()]
    parts += [p.read_bytes() for p in (inputs / "vehicle.toml", inputs / "sensors.toml") if p.exists()]
    for part in parts:
        h.update(len(part).to_bytes(8, "little") + part)
    return h.hexdigest()[:16]


def plan_text(plan: str) -> bytes:
    path = plan_path(plan)
    return path.read_bytes() if path is not None else plan.encode()


def explain(events_path: Path, outcome: str) -> str:
    """Why the flight ended as it did, from its events ("" for a planned landing)."""
    if outcome == "landed" or not events_path.exists():
        return ""
    events = [json.loads(line) for line in events_path.read_text().splitlines() if line.strip()]
    land_now = [e["text"] for e in events if e["name"] == "MODE" and "-> LAND_NOW" in e["text"]]
    if land_now:
        return land_now[0].split(": ", 1)[-1]
    serious = [f"{e['source']} {e['name']}: {e['text']}" for e in events
               if e["severity"] in ("WARNING_HI", "FATAL") and e["name"] not in ("DEADLINE_MISS",)]
    return serious[-1] if serious else ""
