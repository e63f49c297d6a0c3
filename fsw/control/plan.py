"""Flight plans: TOML files validated into frozen dataclasses, with clear errors (file, key, reason), and the
plan's expected distance, duration and altitude (trapezoidal speed profiles within the plan's limits).

Waypoints are north/east/altitude in metres from the takeoff point; altitude is above the takeoff point's
ground. A leg flies at the waypoint's speed (at most the plan's limit) and the vehicle holds there `hold_s`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fsw import config
from fsw.typed import check

PLANS_DIR = Path(__file__).resolve().parent.parent / "plans"
MAX_SPEED_MPS = 10.0  # Ingenuity's envelope
MAX_ALTITUDE_M = 25.0
MAX_START_HOLD_S = 7200.0  # a hover before the first leg (the bundled hour-long hover holds 3600 s)
RTE_WIDTH_PX, RTE_HEIGHT_PX = 4208, 3120  # the colour camera's 13 MP sensor: a capture is at most this
MIN_CAPTURE_PX = 16
MAX_SPEED_PER_HEIGHT = 1.0  # 1/s: a leg's speed at most this times its lowest altitude. The navcam tracks the
# ground only while its features move little from frame to frame (Ingenuity flew at 0.4-0.55 heights a second);
# 5.6 m/s at 2.6 m (2.2/s) left navigation 4 m off and the vehicle landed sliding and tipped over
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # a plan's name goes into file and folder names


@dataclass(frozen=True)
class Limits:
    max_speed_mps: float = 5.0
    max_accel_mps2: float = 0.8
    climb_mps: float = 1.0
    descent_mps: float = 1.0
    yaw_rate_dps: float = 30.0  # turns on the spot
    max_tilt_deg: float = 0.0  # legs accelerate and brake as hard as this tilt allows, drag included, and the
    # controller leans at most this plus guidance.LEG_TILT_MARGIN_DEG on the climb and the legs (0: off)

    def __post_init__(self) -> None:
        check(0 < self.yaw_rate_dps <= 90.0, "yaw_rate_dps", "must be in (0, 90] deg/s")
        check(0 < self.max_speed_mps <= MAX_SPEED_MPS, "max_speed_mps", f"must be in (0, {MAX_SPEED_MPS}] m/s")
        check(0 < self.max_accel_mps2 <= 3.0, "max_accel_mps2", "must be in (0, 3] m/s^2")
        check(0 < self.climb_mps <= 3.0 and 0 < self.descent_mps <= 3.0, "climb_mps", "must be in (0, 3] m/s")
        check(self.max_tilt_deg == 0 or 1.0 <= self.max_tilt_deg <= 20.0, "max_tilt_deg",
              "must be 0 (off) or 1..20 deg")


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
        check(self.yaw_deg is None or -360.0 <= self.yaw_deg <= 360.0, "yaw_deg", "must be -360..360 deg")


@dataclass(frozen=True)
class Capture:
    at_waypoint: int  # index into waypoints (0-based): taken while holding there
    width_px: int = 1052
    height_px: int = 780

    def __post_init__(self) -> None:
        check(MIN_CAPTURE_PX <= self.width_px <= RTE_WIDTH_PX, "width_px",
              f"must be {MIN_CAPTURE_PX}..{RTE_WIDTH_PX} px (the colour camera's width)")
        check(MIN_CAPTURE_PX <= self.height_px <= RTE_HEIGHT_PX, "height_px",
              f"must be {MIN_CAPTURE_PX}..{RTE_HEIGHT_PX} px (the colour camera's height)")


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
    faults: list[str] = field(default_factory=list)  # simulation: injected when flown (`ginny sim`)

    def __post_init__(self) -> None:
        check(bool(_NAME.match(self.name)), "name", "must be 1..64 letters, digits, '_', '.' or '-' "
                                                   "(it names the flight's files), starting with a letter or digit")
        check(1.0 <= self.takeoff_altitude_m <= MAX_ALTITUDE_M, "takeoff_altitude_m", f"must be 1..{MAX_ALTITUDE_M} m")
        check(0.0 <= self.start_hold_s <= MAX_START_HOLD_S, "start_hold_s", f"must be 0..{MAX_START_HOLD_S:g} s")
        check(bool(re.match(r"^[a-z][a-z0-9_]{0,31}$", self.terrain)), "terrain", "must be a terrain's name")
        check(len(self.description) <= 500, "description", "at most 500 characters")
        check(len(self.waypoints) <= 100, "waypoints", "at most 100")
        check(abs(self.start_north_m) <= 500 and abs(self.start_east_m) <= 500, "start_north_m",
              "the start point must be within 500 m of the world's origin")
        before = self.takeoff_altitude_m
        for i, w in enumerate(self.waypoints):
            check(w.speed_mps <= self.limits.max_speed_mps, f"waypoints[{i}].speed_mps",
                  f"{w.speed_mps} m/s is above the plan's limit of {self.limits.max_speed_mps} m/s")
            low = min(before, w.altitude_m)
            check(w.speed_mps <= MAX_SPEED_PER_HEIGHT * low, f"waypoints[{i}].speed_mps",
                  f"{w.speed_mps} m/s is too fast for navigation {low:g} m up (at most "
                  f"{MAX_SPEED_PER_HEIGHT * low:g} m/s: {MAX_SPEED_PER_HEIGHT:g} x the leg's lowest altitude)")
            before = w.altitude_m
        for i, c in enumerate(self.captures):
            check(0 <= c.at_waypoint < len(self.waypoints), f"captures[{i}].at_waypoint",
                  f"no waypoint {c.at_waypoint} (the plan has {len(self.waypoints)})")


def load_plan(name_or_path: str | Path) -> Plan:
    """A bundled plan by name (`flight51`) or a plan file."""
    return config.load(plan_path(name_or_path), Plan)


def plan_path(name_or_path: str | Path) -> Path:
    """The file of a bundled plan's name, or the path given; ConfigError when neither exists."""
    path = Path(name_or_path)
    if path.exists():
        return path
    if not path.suffix and path.name == str(name_or_path):
        bundled = PLANS_DIR / f"{name_or_path}.toml"
        if bundled.exists():
            return bundled
        raise config.ConfigError(name_or_path, "", f"no such plan file, and no bundled plan of that name "
                                                    f"(bundled: {', '.join(bundled_plans())})")
    raise config.ConfigError(path, "", "no such plan file")


def parse_plan(text: str, source: str) -> Plan:
    """A plan from its TOML text (an uploaded plan); ConfigError names `source`, the key and the reason."""
    return config.parse_text(text, Plan, source)


def bundled_plans() -> list[str]:
    return sorted(p.stem for p in PLANS_DIR.glob("*.toml"))


@dataclass(frozen=True)
class PlanSummary:
    distance_m: float  # horizontal path, liftoff to touchdown
    duration_s: float  # liftoff to touchdown
    max_altitude_m: float


def summarize(plan: Plan) -> PlanSummary:
    """Distance, duration and top altitude as guidance will fly the plan (turns and all)."""
    from fsw.control.guidance import Guidance, move_time  # guidance builds on plans

    g = Guidance(plan, np.zeros(3), 0.0, 0.0)
    distance = sum(float(np.hypot(*(s.end - s.start)[:2])) for s in g.segments if s.kind == "leg")
    last = plan.waypoints[-1].altitude_m if plan.waypoints else plan.takeoff_altitude_m
    duration = g.descent_start_s + move_time(last, plan.limits.descent_mps, plan.limits.max_accel_mps2)
    top = max([plan.takeoff_altitude_m] + [w.altitude_m for w in plan.waypoints])
    return PlanSummary(distance, duration, top)
