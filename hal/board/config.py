"""The board's devices, from the stack config's `[board.*]` tables, checked with the file, key and reason."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fsw import config
from fsw.typed import check

BMI160_ODRS_HZ = (25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0)
BMI160_ACCEL_RANGES_G = (2, 4, 8, 16)
BMI160_GYRO_RANGES_DPS = (125, 250, 500, 1000, 2000)


@dataclass(frozen=True)
class CameraConfig:
    device: str = "/dev/video0"  # a V4L2 device (or, with api = "any", a video file)
    api: str = "v4l2"  # v4l2 | any
    width: int = 640
    height: int = 480
    fps: float = 30.0
    timeout_ms: int = 500  # no frame for this long: a camera timeout
    enabled: bool = True
    raw: str = ""  # colour camera: "RGGB" when the sensor gives its RAW Bayer frame (16-bit, `raw_bits` used)
    raw_bits: int = 10

    def __post_init__(self) -> None:
        check(self.api in ("v4l2", "any"), "api", "must be 'v4l2' or 'any'")
        check(self.raw in ("", "RGGB"), "raw", "must be \"\" (a developed picture) or \"RGGB\"")
        check(8 <= self.raw_bits <= 16, "raw_bits", "must be 8..16")
        check(16 <= self.width <= 8192 and 16 <= self.height <= 8192, "width", "must be 16..8192 pixels")
        check(0 < self.fps <= 240, "fps", "must be 0..240")
        check(10 <= self.timeout_ms <= 60_000, "timeout_ms", "must be 10..60000 ms")


Row = tuple[float, float, float]
IDENTITY: tuple[Row, Row, Row] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def check_rotation(m: tuple[Row, Row, Row], key: str) -> None:
    r = np.asarray(m, dtype=float)
    check(r.shape == (3, 3) and bool(np.allclose(r @ r.T, np.eye(3), atol=1e-3))
          and bool(np.isclose(np.linalg.det(r), 1.0, atol=1e-3)), key, "must be a rotation (3x3, orthonormal, det +1)")


@dataclass(frozen=True)
class ImuConfig:
    bus: str = "/dev/i2c-1"
    address: int = 0x68  # 0x69 with SDO high
    odr_hz: float = 800.0  # read at 500 Hz by the control loop; the newest sample each time
    accel_range_g: int = 4
    gyro_range_dps: int = 2000
    body_from_chip: tuple[Row, Row, Row] = IDENTITY  # how the chip is mounted: its axes in the body's (FRD)

    def __post_init__(self) -> None:
        check_rotation(self.body_from_chip, "body_from_chip")
        check(self.address in (0x68, 0x69), "address", "a BMI-160 answers at 0x68 or 0x69")
        check(self.odr_hz in BMI160_ODRS_HZ, "odr_hz", f"must be one of {BMI160_ODRS_HZ}")
        check(self.accel_range_g in BMI160_ACCEL_RANGES_G, "accel_range_g", f"must be one of {BMI160_ACCEL_RANGES_G}")
        check(self.gyro_range_dps in BMI160_GYRO_RANGES_DPS, "gyro_range_dps",
              f"must be one of {BMI160_GYRO_RANGES_DPS}")


@dataclass(frozen=True)
class AltimeterConfig:
    bus: str = "/dev/i2c-1"
    address: int = 0x62
    rate_hz: float = 50.0
    busy_timeout_ms: float = 40.0  # a measurement still busy after this: an error, and the next one starts

    def __post_init__(self) -> None:
        check(0x03 <= self.address <= 0x77, "address", "must be a 7-bit I2C address 0x03..0x77")
        check(1 <= self.rate_hz <= 500, "rate_hz", "must be 1..500 Hz")


@dataclass(frozen=True)
class InclinometerConfig:
    enabled: bool = False  # optional on the board
    device: str = "/dev/spidev0.0"
    speed_hz: int = 500_000
    rate_hz: float = 10.0  # readings a second: the chip's output is filtered to 8-18 Hz (a faster read repeats it)

    def __post_init__(self) -> None:
        check(1_000 <= self.speed_hz <= 8_000_000, "speed_hz", "must be 1 kHz..8 MHz")
        check(0.1 <= self.rate_hz <= 100, "rate_hz", "must be 0.1..100 Hz")


@dataclass(frozen=True)
class McuConfig:
    port: str = "/dev/ttyS1"
    baud: int = 921_600
    link_timeout_ms: float = 100.0  # nothing from the flight-control MCU for this long: link lost

    def __post_init__(self) -> None:
        check(self.baud in (115_200, 230_400, 460_800, 921_600, 1_000_000, 2_000_000), "baud",
              "must be a standard rate 115200..2000000")
        check(5 <= self.link_timeout_ms <= 10_000, "link_timeout_ms", "must be 5..10000 ms")


@dataclass(frozen=True)
class HealthConfig:
    sysfs: str = "/sys"
    disk: str = "/"


EMULATED_FAULTS = ("imu.flip_x", "imu.flip_z", "altimeter.millimetres", "mcu.corrupt")


@dataclass(frozen=True)
class EmulationConfig:
    enabled: bool = False  # every chip is its register-level emulator (demos and tests without a board)
    # board in the loop (`ginny sim --backend board`): how the emulated IMU is really mounted (None: as
    # `[board.imu] body_from_chip` says), and wiring or firmware faults of the emulated hardware
    imu_body_from_chip: tuple[Row, Row, Row] | None = None
    faults: tuple[str, ...] = ()
    corrupt_every: int = 50  # mcu.corrupt: one frame in this many from the MCU has a bad CRC

    def __post_init__(self) -> None:
        if self.imu_body_from_chip is not None:
            check_rotation(self.imu_body_from_chip, "imu_body_from_chip")
        for f in self.faults:
            check(f in EMULATED_FAULTS, "faults", f"{f!r} is not one of {', '.join(EMULATED_FAULTS)}")
        check(2 <= self.corrupt_every <= 100_000, "corrupt_every", "must be 2..100000")


@dataclass(frozen=True)
class BoardConfig:
    navcam: CameraConfig = field(default_factory=CameraConfig)
    colour_camera: CameraConfig = field(default_factory=lambda: CameraConfig(device="/dev/video1", width=4208,
                                                                             height=3120, fps=5.0))
    imu: ImuConfig = field(default_factory=ImuConfig)
    altimeter: AltimeterConfig = field(default_factory=AltimeterConfig)
    inclinometer: InclinometerConfig = field(default_factory=InclinometerConfig)
    mcu: McuConfig = field(default_factory=McuConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    emulation: EmulationConfig = field(default_factory=EmulationConfig)


def board_config(tables: dict[str, Any], file: str | Path) -> BoardConfig:
    """The `[board]` tables of a stack config; ConfigError names the file and `board.DEVICE.KEY`."""
    try:
        return config.parse(tables, BoardConfig, file)
    except config.ConfigError as exc:
        raise config.ConfigError(file, f"board.{exc.key}" if exc.key else "board", exc.reason) from None
