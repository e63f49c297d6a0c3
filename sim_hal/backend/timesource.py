"""The simulated flight clock and the lockstep participant every flight process becomes on the sim backend.

Simulated time has one source: the world. A process's clock moves to the newest world time it has been told:
the world's clock ticks (`sim.clock`), and the sensor samples it takes in, which mark the present (the sim
backend's own, and IMU samples another process passes on). It never moves back.

Lockstep pacing needs to know when an input is in a participant's hands: the world must not run the IMU past
a navcam frame before navigation holds that frame (docs/lockstep.md). The flight code says nothing of the
sort; its time source does, after the handler has taken the message, on `sim.progress`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from fsw.bus.messages import ImuSample
from fsw.bus.transport import Publisher, Received
from fsw.clock import NS_PER_MS, ManualClock
from fsw.runtime.timesource import Handler
from sim_hal.backend.messages import ClockTick, LockstepProgress

if TYPE_CHECKING:
    from fsw.runtime.node import FlightProcess

WORLD = "world"
PACED: dict[str, tuple[str, ...]] = {"nav": ("navcam",)}  # process -> inputs the world paces itself by
REPEAT_NS = 100 * NS_PER_MS  # the newest progress is said again this often (wall time): one lost (a world
# that had not joined yet, after a restart) must not keep time waiting for ever


class SimClock(ManualClock):
    """Simulated flight time: the newest world time the process was told; `ticks` counts the tellings. When
    the world says it runs on the wall clock (real time), the time runs on from its last tick with the host's
    monotonic clock, never more than the tick period past it."""

    def __init__(self, start_ns: int = 0, wall_ns: Callable[[], int] = time.monotonic_ns) -> None:
        super().__init__(start_ns)
        self.ticks = 0
        self._wall_ns = wall_ns
        self._paced: tuple[int, int, float, int] | None = None  # tick's time, wall then, rate, furthest

    def on_tick(self, t_ns: int) -> None:
        """Take the world's time. It comes on more than one stream (clock ticks, sensor samples), so a time
        older than what the clock already reads is ignored rather than stepping time back."""
        if t_ns > self.now_ns():
            self.set_ns(t_ns)
        self.ticks += 1

    def on_clock(self, tick: ClockTick) -> None:
        """The world's clock tick: its time, and in real time its pace."""
        self.on_tick(tick.t_ns)
        self._paced = (tick.t_ns, self._wall_ns(), tick.rate, tick.period_ns) if tick.rate > 0 else None

    def now_ns(self) -> int:
        if self._paced is not None:
            t0, wall0, rate, furthest = self._paced
            t = t0 + min(round((self._wall_ns() - wall0) * rate), furthest)
            if t > self._t_ns:
                self._t_ns = t
        return self._t_ns


class SimTimeSource:
    def __init__(self, process: str) -> None:
        self.process = process
        self.clock = SimClock()
        self._paced = frozenset(PACED.get(process, ()))
        self._progress: Publisher | None = None
        self._last: LockstepProgress | None = None

    def attach(self, process: "FlightProcess") -> None:
        if process.name != WORLD:  # the clock master sets its own
            process.subscribe("sim.clock", self._on_tick)
        if self._paced:
            self._progress = process.add_publisher("sim.progress")
            process.timers.every(REPEAT_NS, self._repeat, name="lockstep_progress")

    def _on_tick(self, rec: Received) -> None:
        self.clock.on_clock(rec.msg)

    def deliver(self, handler: Handler, rec: Received) -> None:
        if type(rec.msg) is ImuSample:
            self.clock.on_tick(rec.msg.t_ns)
        try:
            handler(rec)
        finally:  # taken in, even by a handler that failed on it
            if rec.topic in self._paced and self._progress is not None:
                self._last = LockstepProgress(self.clock.now_ns(), self.process, rec.topic, rec.msg.t_ns)
                self._progress.publish(self._last)

    def _repeat(self) -> None:
        """Say the newest progress again: it only ever moves forward, so a repeat changes nothing but a lost
        one's absence (a participant's progress is news, its timing is not)."""
        if self._last is not None and self._progress is not None:
            self._progress.publish(self._last)
