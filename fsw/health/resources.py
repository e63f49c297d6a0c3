"""Per-process CPU % and resident memory, read with psutil."""
from __future__ import annotations

import psutil


class ResourceSampler:
    """CPU % is measured between two samples of the same process, so the first sample of a pid reads 0."""

    def __init__(self) -> None:
        self._procs: dict[int, psutil.Process] = {}

    def sample(self, pid: int) -> tuple[float, int, float]:
        """(cpu_pct, rss_bytes, cpu_s: CPU seconds since it started) of `pid`; zeros if it is gone."""
        try:
            proc = self._procs.get(pid)
            if proc is None:
                proc = self._procs[pid] = psutil.Process(pid)
            with proc.oneshot():
                times = proc.cpu_times()
                return proc.cpu_percent(None), proc.memory_info().rss, times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            self._procs.pop(pid, None)
            return 0.0, 0, 0.0


def cpu_seconds(pid: int) -> float | None:
    """The CPU seconds (user and system) process `pid` has used, or None if it is gone."""
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.Error, OSError):
        return None
    return times.user + times.system
