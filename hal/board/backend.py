"""The board backend: the real devices of an ARM flight computer, from the stack config's `[board.*]` tables.

Cameras through OpenCV (V4L2), the BMI-160 IMU and the LIDAR-Lite v3 over I2C (smbus2), the SCA100T over SPI
(spidev), the flight-control MCU over a UART (pyserial), health from sysfs and psutil. Devices whose loss is
safe (the inclinometer, the colour camera) open degraded: a missing one is replaced by its null device and the
failure kept in `failure`, for the process to report; the rest refuse to open with the device and path named.
With `emulate` (`ginny board --check --emulate`) every chip is its register-level emulator.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fsw.runtime.timesource import HostTimeSource
from hal.board.bmi160 import Bmi160
from hal.board.buses import open_i2c, open_spi
from hal.board.cameras import BoardColourCamera, BoardNavcam
from hal.board.config import BoardConfig, board_config
from hal.board.health import HostBoardHealth
from hal.board.lidarlite import LidarLiteV3
from hal.board.mculink import McuLink
from hal.board.sca100t import Sca100t
from hal.board_health import NullBoardHealth
from hal.colour_camera import NullColourCamera
from hal.device import DeviceError
from hal.inclinometer import NullInclinometer


class Degradable:
    """A device that may be missing: opens its real self, or else its null stand-in (keeping why)."""

    def __init__(self, real: Any, null: Any) -> None:
        self.real, self.null = real, null
        self.active = real
        self.name = real.name
        self.failure: DeviceError | None = None

    def open(self) -> None:
        try:
            self.real.open()
        except DeviceError as exc:
            self.failure = exc
            self.active = self.null
            self.null.open()

    def close(self) -> None:
        self.active.close()

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.active, attr)


def open_serial(port: str, baud: int) -> Any:
    try:
        import serial
    except ImportError:
        raise DeviceError("actuators", port, "pyserial is not installed (pip install ginny[board])") from None
    try:
        return serial.Serial(port, baud, timeout=0, write_timeout=0.01)
    except (OSError, serial.SerialException) as exc:
        raise DeviceError("actuators", port, f"cannot open: {exc}") from None


class BoardBackend:
    name = "board"

    def __init__(self, context: Any, clock_ns: Callable[[], int] = time.monotonic_ns,
                 delay: Callable[[float], None] = time.sleep) -> None:
        options = context.options
        self.cfg: BoardConfig = board_config(options.get("board", {}), options.get("config_path", "<config>"))
        self.clock_ns, self.delay = clock_ns, delay
        self.emulated = None
        if options.get("emulate") or self.cfg.emulation.enabled:
            from hal.board.emulated.rig import EmulatedRig
            # on real time the emulated camera paces its frames; on a virtual clock (the check) the frames
            # simply come one after another, so the check's figures are the same every run
            pace = delay if delay is time.sleep else (lambda seconds: None)
            self.emulated = EmulatedRig(lambda: self.clock_ns() / 1e9, pace)

    def _i2c(self, path: str, device: str):
        return (lambda: self.emulated.i2c(device)) if self.emulated else (lambda: open_i2c(path, device))

    def navcam(self) -> BoardNavcam:
        return BoardNavcam(self.cfg.navcam, self.clock_ns, self._capture_factory())

    def colour_camera(self) -> Degradable:
        real = BoardColourCamera(self.cfg.colour_camera, self.clock_ns, self._capture_factory())
        return Degradable(real, NullColourCamera()) if self.cfg.colour_camera.enabled else NullColourCamera()

    def imu(self) -> Bmi160:
        return Bmi160(self._i2c(self.cfg.imu.bus, "imu"), self.cfg.imu, self.clock_ns, self.delay)

    def altimeter(self) -> LidarLiteV3:
        return LidarLiteV3(self._i2c(self.cfg.altimeter.bus, "altimeter"), self.cfg.altimeter, self.clock_ns,
                           self.delay)

    def inclinometer(self) -> Any:
        c = self.cfg.inclinometer
        if not c.enabled:
            return NullInclinometer()
        spi = (lambda: self.emulated.spi()) if self.emulated else (lambda: open_spi(c.device, "inclinometer",
                                                                                     c.speed_hz))
        return Degradable(Sca100t(spi, c, self.clock_ns), NullInclinometer())

    def actuators(self) -> McuLink:
        c = self.cfg.mcu
        port = (lambda: self.emulated.serial()) if self.emulated else (lambda: open_serial(c.port, c.baud))
        return McuLink(port, c, self.clock_ns)

    def board_health(self) -> Degradable:
        return Degradable(HostBoardHealth(self.cfg.health.sysfs, self.cfg.health.disk), NullBoardHealth())

    def time_source(self) -> HostTimeSource:
        """The board's flight clock is the host's monotonic clock."""
        return HostTimeSource()

    def _capture_factory(self):
        if self.emulated:
            return lambda device, api: self.emulated.capture(device)
        import cv2
        return cv2.VideoCapture
