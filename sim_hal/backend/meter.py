"""Thread CPU time spent in one part of a process, for parts that are not the flight software's though they run
in a flight process: the board path's emulated hardware (inside control and camera), and `ginny sim`'s own
recording and progress display (inside the process that runs the health supervisor)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EMULATION_FILE = "board-emulation-{process}.json"  # in the run's logs folder, written when the backend closes


class CpuMeter:
    """Thread CPU time around each entry into a part (nested entries counted once)."""

    def __init__(self, clock_ns: Callable[[], int] = time.thread_time_ns) -> None:
        self.ns = 0
        self._clock_ns = clock_ns
        self._inside = threading.local()

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        if getattr(self._inside, "on", False):
            return fn(*args)
        self._inside.on = True
        t0 = self._clock_ns()
        try:
            return fn(*args)
        finally:
            self.ns += self._clock_ns() - t0
            self._inside.on = False


def write_emulation(logs: Path, process: str, meter: CpuMeter, apart_s: float = 0.0) -> None:
    """What the emulated hardware took in `process` (and, `apart_s`, in helper processes of its own, as the
    emulated MCU's): on a board that is silicon and the kernel's bus drivers, so `ginny sim` moves it from the
    process's `cpu_s` to `emulated_hardware`, the world's side, and adds what ran apart."""
    logs.mkdir(parents=True, exist_ok=True)
    (logs / EMULATION_FILE.format(process=process)).write_text(json.dumps(
        {"process": process, "cpu_s": round(meter.ns / 1e9, 2), "apart_cpu_s": round(apart_s, 2)}))
