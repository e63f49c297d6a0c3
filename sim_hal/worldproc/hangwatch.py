"""Whether a lockstep participant has hung (pure, but for reading a process's CPU time).

Time waits on a participant (control's answer to a step, navigation's frames). Waiting is not hanging: on a
loaded machine a starved participant answers late, but it answers, and the run must not change for it. So a
participant is hung only when time has waited on it, at one step, for a whole window of `limit_ns` of wall
time during which the participants time waits on (control waits for navigation's estimates) used less than
`WORKING_SHARE` of a core between them -- heartbeats alone use less.
"""
from __future__ import annotations

from collections.abc import Callable

from fsw.health.resources import cpu_seconds

WORKING_SHARE = 0.01  # of one core over the window: a participant using more is working, not hung
CHAIN = ("control", "nav", "camera")  # the lockstep participants whose CPU counts while time waits on any


class HangWatch:
    def __init__(self, wall_ns: Callable[[], int], limit_ns: int,
                 cpu_s: Callable[[int], float | None] | None = None) -> None:
        self.wall_ns, self.limit_ns = wall_ns, limit_ns
        self.cpu_s = cpu_s or cpu_seconds
        self._pids: dict[str, int | None] = {}
        self._key: tuple[str, int] | None = None  # (participant, step) waited on
        self._since_ns = 0
        self._cpu: float | None = None  # the chain's CPU seconds when the window began

    def pid(self, name: str, pid: int | None) -> None:
        self._pids[name] = pid

    def hung(self, who: str | None, step: int) -> bool:
        """Called as time waits (or not: `who` None) on participant `who` at world step `step`."""
        now = self.wall_ns()
        if who is None or self._key != (who, step):
            self._key, self._since_ns, self._cpu = (None if who is None else (who, step)), now, None
            return False
        if now - self._since_ns < self.limit_ns:
            return False
        cpu = self._chain_cpu_s()
        working = self._cpu is None or (cpu is not None and cpu - self._cpu >= WORKING_SHARE * self.limit_ns / 1e9)
        if working and not (self._cpu is None and cpu is None):
            self._since_ns, self._cpu = now, cpu  # a new window from here
            return False
        return True

    def _chain_cpu_s(self) -> float | None:
        total, known = 0.0, False
        for name in CHAIN:
            pid = self._pids.get(name)
            cpu = self.cpu_s(pid) if pid else None
            if cpu is not None:
                total, known = total + cpu, True
        return total if known else None

