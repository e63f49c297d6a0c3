"""Actuator contract: rotor thrust and body torques, sent to the flight-control MCU or the simulated rotors."""
from __future__ import annotations

from typing import Protocol

from fsw.bus.messages import ActuatorCommand
from hal.device import Device, NullDevice


class Actuators(Device, Protocol):
    def write(self, command: ActuatorCommand) -> None:
        """Apply `command`; raise DeviceError if the link to the actuators is down."""


class NullActuators(NullDevice):
    """Accepts commands and keeps the last one, moving nothing."""

    def __init__(self) -> None:
        super().__init__("actuators")
        self.last: ActuatorCommand | None = None
        self.count = 0

    def write(self, command: ActuatorCommand) -> None:
        self.last = command
        self.count += 1
