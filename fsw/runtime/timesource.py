"""What drives a process's flight clock, chosen with the HAL backend at composition (rclpy's time source).

A flight process asks its clock for the time and never learns what drives it. On the board the clock is the
host's monotonic clock and nothing else is needed (`HostTimeSource`). The sim backend gives a time source of
its own, which also makes the process a lockstep participant: it subscribes to the world's time, and tells the
world what the process has taken in. The runtime hands every message to the time source's `deliver`, which
calls the handler.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from fsw.bus.transport import Received
from fsw.clock import Clock, MonotonicClock

if TYPE_CHECKING:
    from fsw.runtime.node import FlightProcess

Handler = Callable[[Received], None]


class TimeSource(Protocol):
    clock: Clock

    def attach(self, process: "FlightProcess") -> None:
        """Once the process is set up: subscribe to and publish whatever drives the clock."""

    def deliver(self, handler: Handler, rec: Received) -> None:
        """Hand one message to its handler (the source may read the time from it, or report it taken)."""


class HostTimeSource:
    """The host's monotonic clock: the board, and any stack without a world."""

    def __init__(self) -> None:
        self.clock: Clock = MonotonicClock()

    def attach(self, process: "FlightProcess") -> None:
        pass

    def deliver(self, handler: Handler, rec: Received) -> None:
        handler(rec)
