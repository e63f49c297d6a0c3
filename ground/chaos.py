"""`ginny chaos`: seeded flights with random faults from the fault matrix, flown in parallel, judged and tabled.

Each flight is a whole `ginny sim` with one to three faults drawn (by the seed) from the matrix below, at
random times between liftoff and the planned landing. A flight is *survivable* unless a fault takes what no
helicopter flies without: the control loop itself, or the IMU for a second or more. A vehicle is *lost* when
it tips over, touches down harder than 2 m/s, or the run crashes or is aborted; every outcome other than a
planned landing must be explained by an event (the LAND_NOW reason, or what the flight said last).
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from fsw.config.stack import FLIGHT_PROCESSES
from fsw.control.plan import load_plan, summarize

HARD_LANDING_MPS = 2.0
SPIN_UP_S = 9.0
DEVICE_FAULTS = {  # kind -> (duration range s or None for a single output, value or None)
    "navcam": [("drop", None), ("off", (1, 5)), ("delay", (2, 6)), ("intermittent", (2, 8)), ("noise", (2, 8))],
    "imu": [("noise", (1, 5)), ("stuck", (0.1, 1.5)), ("garbage", (0.05, 1.2))],
    "altimeter": [("off", (1, 8)), ("garbage", (0.5, 3)), ("stuck", (1, 5)), ("intermittent", (2, 8))],
    "inclinometer": [("off", (5, 20))],
}


@dataclass
class ChaosFlight:
    index: int
    seed: int
    faults: list[str]
    survivable: bool
    outcome: str = "aborted"
    max_tilt_deg: float = float("nan")
    touchdown_speed_mps: float = float("nan")
    landing_error_m: float = float("nan")
    lost: bool = True
    explanation: str = ""
    errors: int = 0
    wall_s: float = 0.0


def draw_faults(rng: np.random.Generator, t0: float, t1: float) -> list[str]:
    """One to three faults at times in [t0, t1) s of flight time."""
    out = []
    for _ in range(int(rng.integers(1, 4))):
        at = round(float(rng.uniform(t0, t1)), 1)
        if rng.random() < 0.3:
            name = str(rng.choice(FLIGHT_PROCESSES))
            out.append(f"proc.{name}.{rng.choice(['kill', 'hang'])}@{at}")
            continue
        device = str(rng.choice(list(DEVICE_FAULTS)))
        kind, span = DEVICE_FAULTS[device][int(rng.integers(len(DEVICE_FAULTS[device])))]
        out.append(f"{device}.{kind}@{at}" + (f":{round(float(rng.uniform(*span)), 2)}" if span else ""))
    return out


def survivable(faults: list[str]) -> bool:
    for spec in faults:
        if spec.startswith("proc.control."):
            return False
        if spec.startswith("imu.") and spec.split(".")[1].split("@")[0] in ("stuck", "garbage", "off"):
            if float(spec.split(":")[-1]) >= 1.0:
                return False
    return True


def fly_one(f: ChaosFlight, plan: str, out: Path) -> ChaosFlight:
    start = time.monotonic()
    args = _sim_args(plan, out, "--seed", str(f.seed), *[a for spec in f.faults for a in ("--fault", spec)])
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
    f.wall_s = round(time.monotonic() - start, 1)
    summary_path = out / "summary.json"
    if not summary_path.exists():
        f.explanation = "no summary: the run did not finish"
        return f
    s = json.loads(summary_path.read_text())
    fl = s.get("flight", {})
    f.outcome = s["outcome"]
    f.max_tilt_deg = fl.get("max_tilt_deg", float("nan"))
    f.touchdown_speed_mps = fl.get("touchdown_speed_mps", float("nan"))
    f.landing_error_m = fl.get("landing_error_m", float("nan"))
    f.errors = s.get("events", {}).get("error", 0)
    f.lost = f.outcome in ("crashed", "aborted") or bool(fl.get("tipped_over")) \
        or (f.touchdown_speed_mps or 0) > HARD_LANDING_MPS
    f.explanation = explain(out / "events.jsonl", f.outcome)
    return f


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


def run_chaos(flights: int, seed: int, out: Path, plan: str = "flight1", jobs: int | None = None,
              progress: Callable[[ChaosFlight], None] | None = None) -> list[ChaosFlight]:
    duration = SPIN_UP_S + summarize(load_plan(plan)).duration_s
    rng = np.random.default_rng(seed)
    todo = []
    for i in range(flights):
        faults = draw_faults(rng, SPIN_UP_S + 2.0, duration - 3.0)
        todo.append(ChaosFlight(i, seed * 1000 + i, faults, survivable(faults)))
    out.mkdir(parents=True, exist_ok=True)
    done = []
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = [pool.submit(fly_one, f, plan, out / "flights" / f"{f.index:03d}") for f in todo]
        for fut in as_completed(futures):
            done.append(fut.result())
            if progress is not None:
                progress(done[-1])
    done.sort(key=lambda f: f.index)
    write_csv(done, out / "chaos.csv")
    return done


def write_csv(rows: list[ChaosFlight], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(asdict(rows[0]).keys()) if rows else ["index"])
        w.writeheader()
        for r in rows:
            w.writerow({**asdict(r), "faults": " ".join(r.faults)})


def sums(rows: list[ChaosFlight]) -> dict[str, int]:
    s = [r for r in rows if r.survivable]
    return {"flights": len(rows), "survivable": len(s),
            "landed": sum(r.outcome == "landed" for r in rows), "land_now": sum(r.outcome == "land_now" for r in rows),
            "crashed_or_aborted": sum(r.outcome in ("crashed", "aborted") for r in rows),
            "lost_in_survivable": sum(r.lost for r in s), "lost_in_unsurvivable": sum(r.lost for r in rows if not r.survivable),
            "unexplained": sum(1 for r in rows if r.outcome != "landed" and not r.explanation)}


# --- kill -9 of the whole stack ---------------------------------------------------------------------------
@dataclass
class KillRun:
    index: int
    killed_after_mb: float  # the flight log had this much in it when the stack was killed
    logs: int = 0
    unreadable_logs: int = 0
    damaged_bytes: int = 0  # torn tails and skipped stretches, all logs
    images: int = 0
    corrupt_images: int = 0
    lost_s: float = float("nan")  # from the last durable flush to the kill (wall clock)
    restart_ok: bool = False


def kill_campaign(kills: int, seed: int, out: Path, plan: str = "flight1", max_mb: float = 12.0,
                  progress: Callable[[KillRun], None] | None = None) -> list[KillRun]:
    """`kills` times: start a flight, kill -9 the whole stack when its flight log reaches a random size, then
    read every log and image back; the next start (into the same folder) must work."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(kills):
        row = KillRun(i, round(float(rng.uniform(min(0.5, max_mb / 2), max_mb)), 2))
        folder = out / "kills" / f"{i:03d}"
        kill_wall_ns = _fly_and_kill(plan, folder, row.killed_after_mb)
        _judge(folder / "flightlog", kill_wall_ns, row)
        row.restart_ok = _starts(plan, folder)
        rows.append(row)
        if progress is not None:
            progress(row)
    return rows


def _sim_args(plan: str, folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ground.cli.main", "sim", "--plan", plan, "--out", str(folder), *extra]


def _fly_and_kill(plan: str, folder: Path, mb: float) -> int:
    """Run until the flight log holds `mb` MB (or the flight ends), then SIGKILL the stack's process group."""
    import signal
    proc = subprocess.Popen(_sim_args(plan, folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        logs = list((folder / "flightlog").glob("*.glog"))
        if sum(p.stat().st_size for p in logs if p.exists()) >= mb * 1e6:
            break
        try:
            proc.wait(timeout=0.05)  # the flight ending, or another look at the log's size
        except subprocess.TimeoutExpired:
            pass
    kill_ns = time.monotonic_ns()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    return kill_ns


def _judge(log_dir: Path, kill_wall_ns: int, row: KillRun) -> None:
    import cv2

    from fsw.logger.logfile import Kind, NotALog, read_log
    last_sync = None
    for path in sorted(log_dir.glob("*.glog")):
        row.logs += 1
        try:
            records, report = read_log(path)
        except (NotALog, OSError):
            row.unreadable_logs += 1
            continue
        row.damaged_bytes += report.torn_tail_bytes + sum(n for _, n in report.skipped)
        syncs = [r.body[1] for r in records if r.kind is Kind.SYNC]
        if syncs:
            last_sync = max(syncs + ([last_sync] if last_sync is not None else []))
    for img in (log_dir / "images").glob("*.png") if (log_dir / "images").exists() else []:
        row.images += 1
        row.corrupt_images += cv2.imread(str(img), cv2.IMREAD_UNCHANGED) is None
    if last_sync is not None:
        row.lost_s = round((kill_wall_ns - last_sync) / 1e9, 3)


def _starts(plan: str, folder: Path) -> bool:
    """The stack started again on the killed flight's own configs (`ginny run`: its flight log folder, holding
    the torn log, is written to again, as a board's after a power cut): it comes up and the world runs 3 s."""
    with tempfile.TemporaryDirectory(prefix="ginny-restart-") as run_dir:
        run = subprocess.run([sys.executable, "-m", "ground.cli.main", "run", "--config", str(folder / "stack.toml"),
                              "--world", str(folder / "world.toml"), "--sim-seconds", "3", "--run-dir", run_dir],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    return run.returncode == 0 and len(list((folder / "flightlog").glob("boot-*.glog"))) >= 2
