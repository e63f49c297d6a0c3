"""IMU contract: 6-axis samples (gyro rad/s, accel m/s^2, body frame), every sample since the last read."""
from __future__ import annotations

from typing import Protocol

from fsw.bus.messages import ImuSample
from hal.device import Device, NullDevice


class Imu(Device, Protocol):
    rate_hz: float

    def read(self) -> list[ImuSample]:
        """All samples that arrived since the previous call, oldest first (empty if none)."""


class NullImu(NullDevice):
    rate_hz = 0.0

    def __init__(self) -> None:
        super().__init__("imu")

    def read(self) -> list[ImuSample]:
        return []
