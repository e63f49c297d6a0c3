"""A campaign spec: a TOML file of plans, a number of flights, a base seed, and dispersions, each with its
distribution (units in the key names). Every error names the file, the key and the reason, as plan errors do.

    plans = ["flight1"]          # flight i flies plans[i % len(plans)]
    flights = 100
    seed = 1                     # flight i's seed comes from (seed, i): any flight is re-flown alone

    [dispersions]                # a number (fixed), or one distribution:
    wind_speed_mps = { uniform = [0.0, 4.0] }       # low, high
    mass_scale = { normal = [1.0, 0.03] }           # mean, std (clipped to the key's range)
    terrain = { choice = ["jezero", "ripples"] }
    terrain_seed = { integers = [0, 100000] }       # low, high (inclusive)

    [faults]                     # drawn from the fault matrix (`ginny chaos`'s)
    probability = 0.3            # the chance that a flight has any
    count = [1, 2]               # how many, when it has
    families = ["navcam", "imu", "altimeter", "inclinometer", "proc"]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fsw.config import ConfigError, read_toml
from sim_hal.model.terrain import TERRAINS
from sim_hal.run.plancheck import check_plan

SPECS_DIR = Path(__file__).parent / "specs"
MAX_FLIGHTS = 100_000
MAX_SEED = 2**32 - 1
# Each dispersion's allowed range (draws of a normal are clipped to it), and what it does to the flight.
RANGES: dict[str, tuple[float, float, str]] = {
    "wind_speed_mps": (0.0, 30.0, "steady wind speed"),
    "wind_from_deg": (0.0, 360.0, "the direction the wind blows from (0 = north)"),
    "gust_std_mps": (0.0, 10.0, "gust strength (std of each horizontal axis)"),
    "mass_scale": (0.5, 1.5, "vehicle mass, times the bundled 1.8 kg"),
    "inertia_scale": (0.5, 2.0, "vehicle inertia about every axis, times the bundled"),
    "thrust_scale": (0.7, 1.3, "rotor thrust and torque authority, times the bundled"),
    "imu_bias_scale": (0.0, 10.0, "IMU turn-on bias and bias random walk, times the datasheet's"),
    "imu_noise_scale": (0.0, 10.0, "IMU white noise, times the datasheet's"),
    "altimeter_noise_scale": (0.0, 20.0, "laser altimeter noise, times the datasheet's"),
    "navcam_exposure_scale": (0.2, 5.0, "navcam exposure (image brightness), times the bundled 2 ms"),
    "navcam_noise_scale": (0.0, 10.0, "navcam read noise, times the bundled"),
    "terrain_seed": (0, MAX_SEED, "the terrain's own seed"),
    "start_north_m": (-500.0, 500.0, "the start point moved north"),
    "start_east_m": (-500.0, 500.0, "the start point moved east"),
}
CHOICES = {"terrain": TERRAINS}
FAULT_FAMILIES = ("navcam", "imu", "altimeter", "inclinometer", "proc")
_DISTRIBUTIONS = ("uniform", "normal", "integers", "choice")


@dataclass(frozen=True)
class Dispersion:
    key: str
    kind: str  # fixed | uniform | normal | integers | choice
    args: tuple = ()


@dataclass(frozen=True)
class FaultDraw:
    probability: float = 0.0
    count: tuple[int, int] = (1, 1)
    families: tuple[str, ...] = FAULT_FAMILIES


@dataclass(frozen=True)
class CampaignSpec:
    plans: tuple[str, ...]
    flights: int
    seed: int = 1
    dispersions: tuple[Dispersion, ...] = ()
    faults: FaultDraw = field(default_factory=FaultDraw)
    max_sim_seconds: float | None = None
    source: str = ""  # the file it came from

    def plan_of(self, index: int) -> str:
        return self.plans[index % len(self.plans)]


def spec_path(name_or_path: str | Path) -> Path:
    """A spec file, or a bundled spec's name (ground/campaign/specs: small, flight1_dispersed)."""
    path = Path(name_or_path)
    bundled = SPECS_DIR / f"{name_or_path}.toml"
    if not path.exists() and not path.suffix and path.name == str(name_or_path) and bundled.exists():
        return bundled
    return path


def bundled_specs() -> list[str]:
    return sorted(p.stem for p in SPECS_DIR.glob("*.toml"))


def load_spec(path: str | Path) -> CampaignSpec:
    """Read and check a spec (a file, or a bundled spec's name); ConfigError names the file, key and reason."""
    path = spec_path(path)
    raw = read_toml(path)
    try:
        return parse_spec(raw, str(path))
    except SpecError as exc:
        raise ConfigError(path, exc.key, exc.reason) from None


def parse_spec(raw: dict[str, Any], source: str = "") -> CampaignSpec:
    """A spec from its TOML tables; SpecError(key, reason) on the first thing wrong."""
    _only(raw, ("plans", "flights", "seed", "dispersions", "faults", "max_sim_seconds"), "")
    plans = raw.get("plans")
    _need(isinstance(plans, list) and plans and all(isinstance(p, str) for p in plans), "plans",
          "must be a list of plan names or files")
    for i, plan in enumerate(plans):
        try:
            check_plan(plan)
        except (ConfigError, ValueError) as exc:
            raise SpecError(f"plans[{i}]", str(exc)) from None
    flights = raw.get("flights")
    _need(_is_int(flights) and 1 <= flights <= MAX_FLIGHTS, "flights", f"must be an integer 1..{MAX_FLIGHTS}")
    seed = raw.get("seed", 1)
    _need(_is_int(seed) and 0 <= seed <= MAX_SEED, "seed", f"must be an integer 0..{MAX_SEED}")
    max_s = raw.get("max_sim_seconds")
    _need(max_s is None or (_is_number(max_s) and 0 < max_s <= 86_400), "max_sim_seconds", "must be 0..86400 s")
    table = raw.get("dispersions", {})
    _need(isinstance(table, dict), "dispersions", "must be a table")
    dispersions = tuple(_dispersion(key, value) for key, value in table.items())
    return CampaignSpec(tuple(plans), flights, seed, dispersions, _faults(raw.get("faults", {})),
                        float(max_s) if max_s is not None else None, source)


def _dispersion(key: str, value: Any) -> Dispersion:
    where = f"dispersions.{key}"
    _need(key in RANGES or key in CHOICES, where,
          f"unknown dispersion (known: {', '.join([*RANGES, *CHOICES])})")
    if key in CHOICES:
        return _choice(key, value, where)
    low, high, _ = RANGES[key]
    integer = key == "terrain_seed"
    if not isinstance(value, dict):
        _need(_is_number(value) and (not integer or _is_int(value)), where, "must be a number or a distribution")
        _need(low <= value <= high, where, f"{value} is outside {low:g}..{high:g}")
        return Dispersion(key, "fixed", (value,))
    _need(len(value) == 1 and next(iter(value)) in _DISTRIBUTIONS, where,
          f"must be one of {{{', '.join(d + ' = [...]' for d in _DISTRIBUTIONS if d != 'choice')}}}")
    kind, args = next(iter(value.items()))
    _need(kind != "choice", where, "a choice is only for terrain")
    _need(isinstance(args, list) and len(args) == 2 and all(_is_number(a) for a in args), f"{where}.{kind}",
          "must be two numbers")
    a, b = args
    if kind == "normal":
        _need(low <= a <= high and b >= 0, f"{where}.normal", f"needs a mean in {low:g}..{high:g} and std >= 0")
    else:
        _need(low <= a <= b <= high, f"{where}.{kind}", f"needs {low:g} <= low <= high <= {high:g}")
        _need(kind != "integers" or (_is_int(a) and _is_int(b)), f"{where}.integers", "needs integers")
    _need(kind != "integers" or integer, f"{where}.integers", "only for integer keys (terrain_seed)")
    _need(kind == "integers" or not integer, where, "an integer key takes integers = [low, high]")
    return Dispersion(key, kind, (a, b))


def _choice(key: str, value: Any, where: str) -> Dispersion:
    allowed = CHOICES[key]
    if isinstance(value, str):
        _need(value in allowed, where, f"{value!r} is not one of {', '.join(allowed)}")
        return Dispersion(key, "fixed", (value,))
    _need(isinstance(value, dict) and list(value) == ["choice"], where, "must be a name or {choice = [...]}")
    names = value["choice"]
    _need(isinstance(names, list) and names and all(n in allowed for n in names), f"{where}.choice",
          f"must be a list of {', '.join(allowed)}")
    return Dispersion(key, "choice", tuple(names))


def _faults(raw: Any) -> FaultDraw:
    _need(isinstance(raw, dict), "faults", "must be a table")
    _only(raw, ("probability", "count", "families"), "faults.")
    p = raw.get("probability", 0.0)
    _need(_is_number(p) and 0.0 <= p <= 1.0, "faults.probability", "must be 0..1")
    count = raw.get("count", [1, 1])
    _need(isinstance(count, list) and len(count) == 2 and all(_is_int(c) for c in count)
          and 1 <= count[0] <= count[1] <= 5, "faults.count", "must be [low, high] with 1 <= low <= high <= 5")
    families = raw.get("families", list(FAULT_FAMILIES))
    _need(isinstance(families, list) and families and all(f in FAULT_FAMILIES for f in families),
          "faults.families", f"must be a list of {', '.join(FAULT_FAMILIES)}")
    return FaultDraw(float(p), (count[0], count[1]), tuple(families))


def _only(raw: dict, keys: tuple[str, ...], prefix: str) -> None:
    for key in raw:
        _need(key in keys, f"{prefix}{key}", f"unknown key (known: {', '.join(keys)})")


class SpecError(ValueError):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key, self.reason = key, reason


def _need(ok: Any, key: str, reason: str) -> None:
    if not ok:
        raise SpecError(key, reason)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
