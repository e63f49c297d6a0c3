"""The flight processes over a run (pure), from health's `health.procs` stats: a CSV row per process per sample
(memory, CPU, heartbeat age); each process's resident memory growth from a settled baseline to the end -- the
figure a long hover is judged by -- its longest heartbeat silence seen, the margin hang detection has, and the
CPU time it used (where a run's time went).
The baseline is the first sample `settle_s` into the run (imports, caches and buffers fill in the first
minute); a process restarted since then is measured from its new start."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from fsw.bus.messages import ProcessStats

MIB = 2 ** 20


@dataclass
class _Track:
    pid: int
    baseline: int  # -1 until the run has settled
    end: int
    peak: int
    restarts: int = 0
    silent_ms: float = 0.0  # the longest heartbeat age seen while it was up
    cpu_s: float = 0.0  # CPU time of this pid so far ...
    cpu_before_s: float = 0.0  # ... and of the ones it replaced (restarts)


class ProcessWatch:
    def __init__(self, csv: TextIO | None = None, settle_s: float = 60.0) -> None:
        self.csv = csv
        self.settle_s = settle_s
        self.tracks: dict[str, _Track] = {}
        self._first_t: float | None = None
        if csv is not None:
            csv.write("t_s,process,pid,rss_mib,cpu_pct,heartbeat_age_ms\n")

    def add(self, stats: ProcessStats) -> None:
        t_s = stats.t_ns / 1e9
        self._first_t = t_s if self._first_t is None else self._first_t
        settled = t_s - self._first_t >= self.settle_s
        for p in stats.processes:
            if p.pid <= 0 or p.rss_bytes <= 0:
                continue
            if self.csv is not None:
                self.csv.write(f"{t_s:.1f},{p.name},{p.pid},{p.rss_bytes / MIB:.2f},{p.cpu_pct:.1f},"
                               f"{p.heartbeat_age_ms:.0f}\n")
            self._track(p.name, p.pid, p.rss_bytes, settled)
            tr = self.tracks[p.name]
            tr.silent_ms = max(tr.silent_ms, p.heartbeat_age_ms)
            tr.cpu_s = max(tr.cpu_s, p.cpu_s)

    def _track(self, name: str, pid: int, rss: int, settled: bool) -> None:
        tr = self.tracks.get(name)
        if tr is None or tr.pid != pid:  # first seen, or restarted: measured from here
            restarts = 0 if tr is None else tr.restarts + 1
            before = 0.0 if tr is None else tr.cpu_before_s + tr.cpu_s
            self.tracks[name] = _Track(pid, rss if settled else -1, rss, rss, restarts, cpu_before_s=before)
            return
        if tr.baseline < 0 and settled:
            tr.baseline = rss
        tr.end, tr.peak = rss, max(tr.peak, rss)

    def report(self) -> dict[str, dict]:
        """Per process: baseline, end and peak RSS in MiB, the growth from baseline to end in percent (None
        while the run is shorter than `settle_s`), restarts, the longest heartbeat silence seen, and the CPU
        seconds used (at the last sample, restarted ones included)."""
        out = {}
        for name, tr in sorted(self.tracks.items()):
            growth = round(100.0 * (tr.end - tr.baseline) / tr.baseline, 1) if tr.baseline > 0 else None
            out[name] = {"rss_baseline_mib": round(tr.baseline / MIB, 1) if tr.baseline > 0 else None,
                         "rss_end_mib": round(tr.end / MIB, 1), "rss_peak_mib": round(tr.peak / MIB, 1),
                         "rss_growth_pct": growth, "restarts": tr.restarts,
                         "longest_heartbeat_silence_ms": round(tr.silent_ms),
                         "cpu_s": round(tr.cpu_before_s + tr.cpu_s, 1)}
        return out
