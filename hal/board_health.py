"""Board health contract: CPU temperature, load, memory and disk of the computer the stack runs on."""
from __future__ import annotations

from typing import Protocol

from fsw.bus.messages import BoardHealth
from hal.device import Device, NullDevice


class BoardHealthSensor(Device, Protocol):
    def read(self, t_ns: int) -> BoardHealth | None:
        """A reading stamped `t_ns`, or None if nothing can be read."""


class NullBoardHealth(NullDevice):
    def __init__(self) -> None:
        super().__init__("board_health")

    def read(self, t_ns: int) -> BoardHealth | None:
        return None
