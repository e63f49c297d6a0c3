"""Terrain made ahead of need, on a thread at the ordinary priority: a tile takes tens of milliseconds and a
fine window about a hundred, and in real time nothing that waits for one may be late (a navcam frame, the
world's own step, which ranges the altimeter over the tile below). Tiles are the same whenever made, so a
run does not depend on this thread's timing."""
from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable

_SWITCH_INTERVAL_S = 0.0002  # the real-time thread gets the interpreter back this soon from the prefetcher


class Prefetcher(threading.Thread):
    """`work(target)` makes one missing piece for the point `target` and says whether there was one; the thread
    calls it until all is made or a new target comes (`head_for`)."""

    def __init__(self, work: Callable[[tuple[float, float]], bool]) -> None:
        super().__init__(name="prefetch", daemon=True)
        self._work = work
        self._target: tuple[float, float] | None = None
        self._wake = threading.Condition()
        self._stopped = False
        sys.setswitchinterval(_SWITCH_INTERVAL_S)

    def head_for(self, north_east: tuple[float, float]) -> None:
        with self._wake:
            self._target = north_east
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        if self.is_alive():
            self.join(5.0)

    def run(self) -> None:
        with contextlib.suppress(OSError):  # off the process's real-time priority, if it has one
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        while True:
            with self._wake:
                while self._target is None and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                target, self._target = self._target, None
            while self._target is None and not self._stopped and self._work(target):
                pass
