"""Sensor calibration and noise models, one file shared by the flight software and the simulated world."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
        check(0 < self.width_px <= 8192 and 0 < self.height_px <= 8192, "width_px", "must be 1..8192 px")
        check(self.fx_px > 0 and self.fy_px > 0, "fx_px", "the focal lengths must be positive")
        check(0 <= self.cx_px <= self.width_px and 0 <= self.cy_px <= self.height_px, "cx_px",
              "the principal point must be inside the image")
        r = np.asarray(self.body_from_camera, dtype=float)
        check(r.shape == (3, 3) and bool(np.allclose(r @ r.T, np.eye(3), atol=1e-3)), "body_from_camera",
              "must be a rotation (3x3, orthonormal)")
        check(self.model in ("equidistant", "radtan"), "model", "must be 'equidistant' or 'radtan'")
        check(0 < self.rate_hz <= 200, "rate_hz", "must be 0..200 Hz")


@dataclass(frozen=True)
class ColourCameraConfig:
    """The return-to-Earth camera (Sony IMX214): its geometry, the sensor's RAW output and how it is developed."""

    fov_deg: float  # vertical: across the rows
    pitch_below_horizon_deg: float
    max_width_px: int
    max_height_px: int
    default_width_px: int
    default_height_px: int
    readout_ms: float = 33.0  # rolling shutter: first row to last
    exposure_us: float = 1000.0
    gain: float = 1.0  # analogue gain
    bits: int = 10
    black_level_dn: int = 64
    full_well_e: float = 4500.0
    read_noise_e: float = 2.5
    # the sensor's response to each colour of the scene: its filters' sensitivity per channel (rows R, G, B)
    # times their crosstalk; what white balance and the colour matrix undo
    sensitivity: Row = (0.52, 1.0, 0.66)
    crosstalk: tuple[Row, Row, Row] = ((0.80, 0.15, 0.05), (0.10, 0.80, 0.10), (0.05, 0.20, 0.75))
    jpeg_quality: int = 90

    def __post_init__(self) -> None:
        check(1.0 <= self.fov_deg <= 170.0, "fov_deg", "must be 1..170 deg")
        check(0.0 <= self.readout_ms <= 200.0, "readout_ms", "must be 0..200 ms")
        check(0.0 < self.exposure_us <= 1e6, "exposure_us", "must be 0..1e6 us")
        check(1.0 <= self.gain <= 16.0, "gain", "must be 1..16")
        check(8 <= self.bits <= 16, "bits", "must be 8..16")
        check(0 <= self.black_level_dn < (1 << self.bits) // 2, "black_level_dn", "must be below half the range")
        check(all(0.05 <= s <= 2.0 for s in self.sensitivity), "sensitivity", "each must be 0.05..2")
        x = np.asarray(self.crosstalk, float)
        check(x.shape == (3, 3) and abs(np.linalg.det(x)) > 1e-3, "crosstalk", "must be an invertible 3x3 matrix")
        check(1 <= self.jpeg_quality <= 100, "jpeg_quality", "must be 1..100")


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
