"""Real-time settings for a flight process (on the board): SCHED_FIFO priority and a CPU set. When the
system refuses (no privilege, no such CPU), the process says so and keeps running with what it has."""
from __future__ import annotations

import os


def apply_realtime(priority: int, cpus: list[int]) -> list[str]:
    """Try the settings; return a warning for each one the system refused (empty: all applied)."""
    warnings = []
    if cpus:
        try:
            os.sched_setaffinity(0, cpus)
        except (OSError, ValueError) as exc:
            warnings.append(f"CPU set {cpus} refused: {exc}")
    if priority > 0:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        except (OSError, ValueError) as exc:
            warnings.append(f"SCHED_FIFO priority {priority} refused: {exc}")
    return warnings
