"""Per-process CPU % and resident memory, read with psutil."""
from __future__ import annotations

import psutil


class ResourceSampler:
    """CPU % is measured between two samples of the same process, so the first sample of a pid reads 0."""

    def __init__(self) -> None:
        self._procs: dict[int, psutil.Process] = {}

    def sample(self, pid: int) -> tuple[float, int]:
        """(cpu_pct, rss_bytes) of `pid`; (0.0, 0) if it is gone."""
        try:
            proc = self._procs.get(pid)
            if proc is None:
                proc = self._procs[pid] = psutil.Process(pid)
            return proc.cpu_percent(None), proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            self._procs.pop(pid, None)
            return 0.0, 0
