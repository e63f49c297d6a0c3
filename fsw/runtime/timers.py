"""Periodic timers on an injected clock (pure): the process loop asks how long it may wait."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from fsw.clock import NS_PER_MS, Clock

log = logging.getLogger("ginny.timers")


@dataclass
class _Timer:
    period_ns: int
    due_ns: int
    fn: Callable[[], None]
    name: str


class Timers:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._timers: list[_Timer] = []

    def every(self, period_ns: int, fn: Callable[[], None], name: str = "") -> None:
        """Call `fn` every `period_ns`, first one period from now. Missed periods are skipped, not queued."""
        if period_ns <= 0:
            raise ValueError("a timer period must be positive")
        self._timers.append(_Timer(period_ns, self._clock.now_ns() + period_ns, fn,
                                   name or getattr(fn, "__name__", "timer")))

    def ms_until_next(self) -> int:
        if not self._timers:
            return 1000
        left_ns = min(t.due_ns for t in self._timers) - self._clock.now_ns()
        return max(0, -(-left_ns // NS_PER_MS))

    def run_due(self) -> list[str]:
        """Run every due timer; return a description of each one that raised (they keep running)."""
        now = self._clock.now_ns()
        errors = []
        for t in self._timers:
            if now < t.due_ns:
                continue
            late_periods = (now - t.due_ns) // t.period_ns
            t.due_ns += (late_periods + 1) * t.period_ns
            try:
                t.fn()
            except Exception as exc:  # a timer that fails is reported, never fatal
                log.exception("timer %s failed", t.name)
                errors.append(f"{t.name}: {type(exc).__name__}: {exc}")
        return errors
