"""Laser altimeter contract: range along the body's down axis; invalid outside the sensor's range."""
from __future__ import annotations

from typing import Protocol

from fsw.bus.messages import AltimeterSample
from hal.device import Device, NullDevice


class Altimeter(Device, Protocol):
    def read(self) -> list[AltimeterSample]:
        """Measurements completed since the previous call, oldest first."""


class NullAltimeter(NullDevice):
    def __init__(self) -> None:
        super().__init__("altimeter")

    def read(self) -> list[AltimeterSample]:
        return []
