"""Flight plans: TOML files validated into frozen dataclasses, with clear errors (file, key, reason), and the
plan's expected distance, duration and altitude (trapezoidal speed profiles within the plan's limits).

Waypoints are north/east/altitude in metres from the takeoff point; altitude is above the takeoff point's
ground. A leg flies at the waypoint's speed (at most the plan's limit) and the vehicle holds there `hold_s`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from fsw import config
from fsw.typed import check

PLANS_DIR = Path(__file__).resolve().parent.parent / "plans"
MAX_SPEED_MPS = 10.0  # Ingenuity's envelope
MAX_ALTITUDE_M = 25.0


@dataclass(frozen=True)
class Limits:
    max_speed_mps: float = 5.0
    max_accel_mps2: float = 0.8
    climb_mps: float = 1.0
    descent_mps: float = 1.0

    def __post_init__(self) -> None:
        check(0 < self.max_speed_mps <= MAX_SPEED_MPS, "max_speed_mps", f"must be in (0, {MAX_SPEED_MPS}] m/s")
        check(0 < self.max_accel_mps2 <= 3.0, "max_accel_mps2", "must be in (0, 3] m/s^2")
        check(0 < self.climb_mps <= 3.0 and 0 < self.descent_mps <= 3.0, "climb_mps", "must be in (0, 3] m/s")


@dataclass(frozen=True)
class Waypoint:
    north_m: float
    east_m: float
    altitude_m: float
    speed_mps: float = 4.0
    hold_s: float = 0.0
    yaw_deg: float | None = None  # None: face along the leg

    def __post_init__(self) -> None:
        check(1.0 <= self.altitude_m <= MAX_ALTITUDE_M, "altitude_m", f"must be 1..{MAX_ALTITUDE_M} m")
        check(abs(self.north_m) <= 1000 and abs(self.east_m) <= 1000, "north_m", "must be within 1 km")
        check(0 < self.speed_mps <= MAX_SPEED_MPS, "speed_mps", f"must be in (0, {MAX_SPEED_MPS}] m/s")
        check(0 <= self.hold_s <= 600, "hold_s", "must be 0..600 s")


@dataclass(frozen=True)
class Capture:
    at_waypoint: int  # index into waypoints (0-based): taken while holding there
    width_px: int = 1052
    height_px: int = 780


@dataclass(frozen=True)
class Plan:
    name: str
    takeoff_altitude_m: float
    waypoints: list[Waypoint]
    description: str = ""
    terrain: str = "jezero"  # the simulated terrain it is flown over
    start_north_m: float = 0.0  # simulation: the takeoff point in the world (north/east of its origin)
    start_east_m: float = 0.0
    start_hold_s: float = 0.0  # hover after the climb, before the first leg
    limits: Limits = field(default_factory=Limits)
    captures: list[Capture] = field(default_factory=list)

    def __post_init__(self) -> None:
        check(1.0 <= self.takeoff_altitude_m <= MAX_ALTITUDE_M, "takeoff_altitude_m", f"must be 1..{MAX_ALTITUDE_M} m")
        check(len(self.waypoints) <= 100, "waypoints", "at most 100")
        check(abs(self.start_north_m) <= 500 and abs(self.start_east_m) <= 500, "start_north_m",
              "the start point must be within 500 m of the world's origin")
        for i, w in enumerate(self.waypoints):
            check(w.speed_mps <= self.limits.max_speed_mps, f"waypoints[{i}].speed_mps",
                  f"{w.speed_mps} m/s is above the plan's limit of {self.limits.max_speed_mps} m/s")
        for i, c in enumerate(self.captures):
            check(0 <= c.at_waypoint < len(self.waypoints), f"captures[{i}].at_waypoint",
                  f"no waypoint {c.at_waypoint} (the plan has {len(self.waypoints)})")


def load_plan(name_or_path: str | Path) -> Plan:
    """A bundled plan by name (`flight51`) or a plan file."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = PLANS_DIR / f"{name_or_path}.toml"
    return config.load(path, Plan)


def bundled_plans() -> list[str]:
    return sorted(p.stem for p in PLANS_DIR.glob("*.toml"))


@dataclass(frozen=True)
class PlanSummary:
    distance_m: float  # horizontal path, liftoff to touchdown
    duration_s: float  # liftoff to touchdown
    max_altitude_m: float


def _leg_time(distance: float, speed: float, accel: float) -> float:
    """Rest-to-rest trapezoid (or triangle when the leg is too short to reach `speed`)."""
    if distance <= 0:
        return 0.0
    if distance >= speed * speed / accel:
        return distance / speed + speed / accel
    return 2.0 * math.sqrt(distance / accel)


def summarize(plan: Plan) -> PlanSummary:
    lim = plan.limits
    t = _leg_time(plan.takeoff_altitude_m, lim.climb_mps, lim.max_accel_mps2) + plan.start_hold_s
    here = (0.0, 0.0, plan.takeoff_altitude_m)
    distance = 0.0
    for w in plan.waypoints:
        horizontal = math.hypot(w.north_m - here[0], w.east_m - here[1])
        vertical = abs(w.altitude_m - here[2])
        leg = math.hypot(horizontal, vertical)
        t += _leg_time(leg, w.speed_mps, lim.max_accel_mps2) + w.hold_s
        distance += horizontal
        here = (w.north_m, w.east_m, w.altitude_m)
    t += _leg_time(here[2], lim.descent_mps, lim.max_accel_mps2)
    top = max([plan.takeoff_altitude_m] + [w.altitude_m for w in plan.waypoints])
    return PlanSummary(distance, t, top)
