"""Inclinometer contract: roll and pitch of the vehicle at rest, used to level before takeoff."""
from __future__ import annotations

from typing import Protocol

from fsw.bus.messages import InclinometerSample
from hal.device import Device, NullDevice


class Inclinometer(Device, Protocol):
    def read(self) -> InclinometerSample | None:
        """The latest reading, or None if none is available."""


class NullInclinometer(NullDevice):
    def __init__(self) -> None:
        super().__init__("inclinometer")

    def read(self) -> InclinometerSample | None:
        return None
