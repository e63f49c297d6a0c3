"""The CPU the board path's emulated hardware takes inside a flight process (`ginny sim --backend board`)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class EmulationMeter:
    """The CPU the emulated hardware takes inside the flight process it is wired into: its chips' register
    work and their feed from the world. On a board that is silicon and the kernel's bus drivers, so it is the
    world's share, not the flight software's; `ginny sim` moves it out of the process's `cpu_s` (as
    `emulated_hardware`). Thread CPU time around each entry into the emulation (nested entries once)."""

    FILE = "board-emulation-{process}.json"  # in the run's logs folder, written when the backend closes

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

    def write(self, logs: Path, process: str) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        (logs / self.FILE.format(process=process)).write_text(json.dumps({"process": process,
                                                                          "cpu_s": round(self.ns / 1e9, 2)}))
