"""Vehicle parameters: a TOML data file validated into frozen dataclasses, every value with its unit."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fsw import config
from fsw.typed import check

DEFAULT_VEHICLE = Path(__file__).parent / "vehicle.toml"
Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Body:
    mass_kg: float
    inertia_kgm2: Vec3
    feet_below_cg_m: float
    drag_area_m2: float
    rotor_drag_n_per_mps: float
    angular_damping_nms_per_rad: Vec3

    def __post_init__(self) -> None:
        check(self.mass_kg > 0, "mass_kg", "must be positive")
        check(min(self.inertia_kgm2) > 0, "inertia_kgm2", "must be positive")


@dataclass(frozen=True)
class Rotor:
    nominal_speed_rpm: float
    spin_up_s: float
    max_thrust_n: float
    thrust_lag_s: float
    torque_lag_s: float
    max_torque_nm: Vec3

    def __post_init__(self) -> None:
        check(self.spin_up_s > 0, "spin_up_s", "must be positive")
        check(self.thrust_lag_s > 0 and self.torque_lag_s > 0, "thrust_lag_s", "lags must be positive")


@dataclass(frozen=True)
class Gear:
    max_touchdown_vertical_mps: float
    max_touchdown_horizontal_mps: float
    max_ground_tilt_deg: float
    compression_s: float = 0.04


@dataclass(frozen=True)
class Environment:
    gravity_mps2: float
    air_density_kgpm3: float


@dataclass(frozen=True)
class VehicleParams:
    body: Body
    rotor: Rotor
    gear: Gear
    environment: Environment

    @property
    def weight_n(self) -> float:
        return self.body.mass_kg * self.environment.gravity_mps2


def load_vehicle(path: str | Path = DEFAULT_VEHICLE) -> VehicleParams:
    return config.load(path, VehicleParams)
