"""Scheduling settings for a flight process: SCHED_FIFO priority, a CPU set and a nice value, for every thread
the process has (ZeroMQ's I/O threads carry its messages, so they must not wait behind ordinary work) and,
inherited, every thread and child it starts later. When the system refuses (no privilege, no such CPU), the
process says so and keeps running with what it has. A positive nice value (a smaller CPU share, which needs no
privilege) is how a lockstep simulation puts the world and control -- the step's critical path -- ahead of
the work that may lag a little (navigation, rendering, logging)."""
from __future__ import annotations

import os
from collections.abc import Callable

from fsw.typed import check


def check_settings(priorities: dict[str, int], cpus: list[int], nice: dict[str, int] | None = None) -> None:
    """Range checks for a config's scheduling settings (`priorities`: key -> SCHED_FIFO priority, 0 = none;
    `nice`: key -> nice value)."""
    for key, priority in priorities.items():
        check(0 <= priority <= 99, key, "must be 0..99")
    check(all(c >= 0 for c in cpus), "cpus", "CPU numbers are not negative")
    for key, value in (nice or {}).items():
        check(0 <= value <= 19, key, "must be 0..19 (a smaller CPU share; 0: the default)")


def _threads() -> list[int]:
    """The calling process's thread ids (just 0, "this thread", where /proc is not there)."""
    try:
        return [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def apply_realtime(priority: int, cpus: list[int], nice: int = 0) -> list[str]:
    """Try the settings on every thread; return a warning for each one the system refused (empty: all
    applied)."""
    asked: list[tuple[str, Callable[[int], None]]] = []
    if nice > 0:
        asked.append((f"nice {nice}", lambda tid: os.setpriority(os.PRIO_PROCESS, tid, nice)))
    if cpus:
        asked.append((f"CPU set {cpus}", lambda tid: os.sched_setaffinity(tid, cpus)))
    if priority > 0:
        asked.append((f"SCHED_FIFO priority {priority}",
                      lambda tid: os.sched_setscheduler(tid, os.SCHED_FIFO, os.sched_param(priority))))
    warnings = []
    for what, apply in asked:
        try:
            for tid in _threads():
                apply(tid)
        except (OSError, ValueError) as exc:
            warnings.append(f"{what} refused: {exc}")
    return warnings
