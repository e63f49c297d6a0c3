"""What every device shares: a name, open/close, and the error that names the device and the reason."""
from __future__ import annotations

from typing import Protocol


class DeviceError(RuntimeError):
    """A device is missing or misbehaving: says which device, where (path or endpoint) and why."""

    def __init__(self, device: str, where: str, reason: str) -> None:
        super().__init__(f"{device} ({where}): {reason}")
        self.device = device
        self.where = where
        self.reason = reason


class Device(Protocol):
    name: str

    def open(self) -> None:
        """Acquire the device; raise DeviceError if it is missing or not the expected one."""

    def close(self) -> None:
        """Release the device; safe to call twice."""


class NullDevice:
    """Present, opens and closes, and produces nothing: for stacks with no such hardware."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_open = False

    def open(self) -> None:
        self.is_open = True

    def close(self) -> None:
        self.is_open = False
