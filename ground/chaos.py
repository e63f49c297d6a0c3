"""`ginny chaos`: seeded flights with random faults from the fault matrix, judged and tabled -- a campaign
(ground/campaign) whose only dispersion is the fault matrix, on the same engine (Dask).

Each flight is a whole `ginny sim` with one to three faults drawn (by the seed) from the matrix, at
random times between liftoff and the planned landing. A flight is *survivable* unless a fault takes what no
helicopter flies without: the control loop itself, or the IMU for a second or more. A vehicle is *lost* when
it tips over, touches down harder than 2 m/s, or the run crashes or is aborted; every outcome other than a
planned landing must be explained by an event (the LAND_NOW reason, or what the flight said last).
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import tomli_w

from ground.campaign.draw import draw_faults, survivable  # noqa: F401 - the fault matrix, ginny chaos's
from ground.campaign.run import Progress, prepare_folder, run_campaign
from ground.campaign.spec import parse_spec
from ground.campaign.table import read_table

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


def chaos_spec(flights: int, seed: int, plan: str) -> bytes:
    """The campaign `ginny chaos` runs: one plan, no dispersion but the fault matrix, one to three faults
    in every flight."""
    return tomli_w.dumps({"plans": [plan], "flights": flights, "seed": seed,
                          "faults": {"probability": 1.0, "count": [1, 3]}}).encode()


def run_chaos(flights: int, seed: int, out: Path, plan: str = "flight1", jobs: int | None = None,
              progress: Callable[[Progress], None] | None = None) -> list[ChaosFlight]:
    """The chaos campaign on the campaign engine (a LocalCluster of `jobs` workers); chaos.csv beside its
    Parquet table."""
    text = chaos_spec(flights, seed, plan)
    prepare_folder(text, "ginny chaos", out)
    run_campaign(parse_spec(tomllib.loads(text.decode()), "ginny chaos"), out, workers=jobs, on_progress=progress)
    rows = [_chaos_row(r) for r in read_table(out)]
    write_csv(rows, out / "chaos.csv")
    return rows


def _chaos_row(r: dict) -> ChaosFlight:
    def num(key: str) -> float:
        return float("nan") if r.get(key) is None else r[key]
    return ChaosFlight(r["index"], r["seed"], r["faults"].split(), r["survivable"], r["outcome"], num("max_tilt_deg"),
                       num("touchdown_speed_mps"), num("landing_error_m"), r["lost"], r["explanation"],
                       r["errors"], r["wall_s"])


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
