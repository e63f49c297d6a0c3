"""Injected clocks: flight code asks a Clock for the time in integer nanoseconds and never reads the OS.

On the board the flight clock is the monotonic clock. In simulation the world is the clock master: the sim
backend's time source sets a clock of its own (`fsw.runtime.timesource`), so flight code never knows which
it runs on.
"""
from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000


@runtime_checkable
class Clock(Protocol):
    def now_ns(self) -> int: ...


class MonotonicClock:
    """CLOCK_MONOTONIC: shared by every process of one host, never steps back."""

    def now_ns(self) -> int:
        return time.monotonic_ns()


class ClockError(ValueError):
    pass


class ManualClock:
    """A clock that moves only when told to: for tests and for simulated time."""

    def __init__(self, start_ns: int = 0) -> None:
        self._t_ns = start_ns

    def now_ns(self) -> int:
        return self._t_ns

    def set_ns(self, t_ns: int) -> None:
        if t_ns < self._t_ns:
            raise ClockError(f"time went back from {self._t_ns} to {t_ns} ns")
        self._t_ns = t_ns

    def advance_ns(self, dt_ns: int) -> None:
        self.set_ns(self._t_ns + dt_ns)

