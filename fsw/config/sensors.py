"""Sensor calibration and noise models, one file shared by the flight software and the simulated world."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fsw import config
from fsw.typed import check

DEFAULT_SENSORS = Path(__file__).parent / "sensors.toml"
Row = tuple[float, float, float]


@dataclass(frozen=True)
class NavcamConfig:
    width_px: int
    height_px: int
    fx_px: float
    fy_px: float
    cx_px: float
    cy_px: float
    distortion: tuple[float, float, float, float]
    rate_hz: float
    exposure_us: float
    min_altitude_m: float
    noise_std_dn: float
    body_from_camera: tuple[Row, Row, Row]
    model: str = "equidistant"  # or "radtan" (pinhole with radial-tangential distortion k1, k2, p1, p2)

    def __post_init__(self) -> None:
        check(self.width_px > 0 and self.height_px > 0, "width_px", "must be positive")
        check(self.model in ("equidistant", "radtan"), "model", "must be 'equidistant' or 'radtan'")
        check(0 < self.rate_hz <= 200, "rate_hz", "must be 0..200 Hz")


@dataclass(frozen=True)
class ColourCameraConfig:
    fov_deg: float
    pitch_below_horizon_deg: float
    max_width_px: int
    max_height_px: int
    default_width_px: int
    default_height_px: int


@dataclass(frozen=True)
class ImuConfig:
    rate_hz: float
    gyro_noise_radps: float
    accel_noise_mps2: float
    gyro_bias_radps: float
    accel_bias_mps2: float
    gyro_random_walk_radps_per_sqrt_s: float
    accel_random_walk_mps2_per_sqrt_s: float
    gyro_range_radps: float
    accel_range_mps2: float

    def __post_init__(self) -> None:
        check(0 < self.rate_hz <= 2000, "rate_hz", "must be 0..2000 Hz")


@dataclass(frozen=True)
class AltimeterConfig:
    rate_hz: float
    min_range_m: float
    max_range_m: float
    noise_std_m: float

    def __post_init__(self) -> None:
        check(0 <= self.min_range_m < self.max_range_m, "min_range_m", "must be below max_range_m")


@dataclass(frozen=True)
class InclinometerConfig:
    noise_std_rad: float
    rate_hz: float


@dataclass(frozen=True)
class SensorsConfig:
    navcam: NavcamConfig
    colour_camera: ColourCameraConfig
    imu: ImuConfig
    altimeter: AltimeterConfig
    inclinometer: InclinometerConfig


def load_sensors(path: str | Path = DEFAULT_SENSORS) -> SensorsConfig:
    return config.load(path, SensorsConfig)
