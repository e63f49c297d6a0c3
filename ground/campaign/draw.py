"""What flight i of a campaign flies: its plan, its seed and its drawn dispersions and faults, all from the
campaign's base seed and i alone, so any one flight is drawn (and re-flown) again without the others.

Each dispersion draws from a generator of its own, seeded by (base seed, i, the key's name): adding a
dispersion to a spec leaves the draws of the others as they were.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from fsw.config.stack import FLIGHT_PROCESSES, FlightConfig
from fsw.control.plan import load_plan, summarize
from ground.campaign.spec import RANGES, CampaignSpec, Dispersion, FaultDraw

SPIN_UP_S = FlightConfig.spin_up_s  # from the start to liftoff (the stack's spin-up): faults are drawn between
# liftoff and the planned landing
DEVICE_FAULTS: dict[str, list[tuple[str, tuple[float, float] | None]]] = {
    # device -> (kind, its duration range in s, or None for a one-off)
    "navcam": [("drop", None), ("off", (1, 5)), ("delay", (2, 6)), ("intermittent", (2, 8)), ("noise", (2, 8))],
    "imu": [("noise", (1, 5)), ("stuck", (0.1, 1.5)), ("garbage", (0.05, 1.2))],
    "altimeter": [("off", (1, 8)), ("garbage", (0.5, 3)), ("stuck", (1, 5)), ("intermittent", (2, 8))],
    "inclinometer": [("off", (5, 20))],
}


@dataclass(frozen=True)
class FlightJob:
    index: int
    flight_id: str
    plan: str
    seed: int  # the flight's own seed (`ginny sim --seed`)
    draws: dict[str, Any]  # dispersion key -> the value drawn
    faults: tuple[str, ...]
    max_sim_seconds: float | None = None


def flight_id(index: int) -> str:
    return f"{index:06d}"


def flight_seed(base: int, index: int) -> int:
    return int(np.random.SeedSequence([base, index]).generate_state(1)[0])


def draw_job(spec: CampaignSpec, index: int) -> FlightJob:
    plan = spec.plan_of(index)
    draws = {d.key: draw(d, _rng(spec.seed, index, d.key)) for d in spec.dispersions}
    duration = SPIN_UP_S + _plan_seconds(plan)
    faults = draw_flight_faults(spec.faults, _rng(spec.seed, index, "faults"), SPIN_UP_S + 2.0, duration - 3.0)
    return FlightJob(index, flight_id(index), plan, flight_seed(spec.seed, index), draws, tuple(faults),
                     spec.max_sim_seconds)


@lru_cache(maxsize=64)
def _plan_seconds(plan: str) -> float:
    """A plan's duration, read once per plan of a campaign (not once per flight)."""
    return summarize(load_plan(plan)).duration_s


def draw(d: Dispersion, rng: np.random.Generator) -> Any:
    if d.kind == "fixed":
        return d.args[0]
    if d.kind == "choice":
        return str(d.args[int(rng.integers(len(d.args)))])
    if d.kind == "integers":
        return int(rng.integers(d.args[0], d.args[1], endpoint=True))
    low, high, _ = RANGES[d.key]
    value = rng.uniform(*d.args) if d.kind == "uniform" else rng.normal(*d.args)
    return round(float(np.clip(value, low, high)), 6)


def draw_flight_faults(f: FaultDraw, rng: np.random.Generator, t0: float, t1: float) -> list[str]:
    """With probability `f.probability`, `f.count` faults from the matrix at times in [t0, t1) s."""
    if rng.random() >= f.probability:
        return []
    return draw_faults(rng, t0, t1, f.count, f.families)


def draw_faults(rng: np.random.Generator, t0: float, t1: float, count: tuple[int, int] = (1, 3),
                families: tuple[str, ...] = ("navcam", "imu", "altimeter", "inclinometer", "proc")) -> list[str]:
    out = []
    for _ in range(int(rng.integers(count[0], count[1], endpoint=True))):
        at = round(float(rng.uniform(t0, max(t0, t1))), 1)
        family = str(families[int(rng.integers(len(families)))])
        if family == "proc":
            out.append(f"proc.{rng.choice(FLIGHT_PROCESSES)}.{rng.choice(['kill', 'hang'])}@{at}")
            continue
        kind, span = DEVICE_FAULTS[family][int(rng.integers(len(DEVICE_FAULTS[family])))]
        out.append(f"{family}.{kind}@{at}" + (f":{round(float(rng.uniform(*span)), 2)}" if span else ""))
    return out


def survivable(faults: list[str] | tuple[str, ...]) -> bool:
    """False if a fault takes what no helicopter flies without: the control loop, or the IMU for 1 s or more."""
    for spec in faults:
        if spec.startswith("proc.control."):
            return False
        if spec.startswith("imu.") and spec.split(".")[1].split("@")[0] in ("stuck", "garbage", "off"):
            if float(spec.split(":")[-1]) >= 1.0:
                return False
    return True


def _rng(base: int, index: int, key: str) -> np.random.Generator:
    return np.random.default_rng([base, index, zlib.crc32(key.encode())])
