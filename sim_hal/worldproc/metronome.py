"""Wakes a process loop at exact times. ZeroMQ's poll waits in whole milliseconds, so a loop paced by its
timers steps up to a millisecond late; here a thread sleeps until each beat (to tens of microseconds) and
writes a byte to a socket the loop polls, and the loop steps at once."""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from fsw.clock import NS_PER_S


class Metronome:
    def __init__(self, now_ns: Callable[[], int]) -> None:
        self._now_ns = now_ns
        self._r, self._w = socket.socketpair()
        self._r.setblocking(False)
        self._w.setblocking(False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def fileno(self) -> int:
        """What the loop polls: readable on each beat."""
        return self._r.fileno()

    def start(self, first_ns: int, period_ns: float) -> None:
        """Beat at `first_ns` + k `period_ns` (k = 1, 2, ...) on the `now_ns` clock."""
        self._thread = threading.Thread(target=self._beat, args=(first_ns, period_ns), name="metronome",
                                        daemon=True)
        self._thread.start()

    def drain(self) -> None:
        """Take the beats that have woken the loop."""
        try:
            while self._r.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _beat(self, first_ns: int, period_ns: float) -> None:
        k = 1
        while True:
            due = first_ns + round(k * period_ns)
            if self._stop.wait(max(0, due - self._now_ns()) / NS_PER_S):
                return
            k = max(k + 1, int((self._now_ns() - first_ns) // period_ns) + 1)  # beats missed are skipped
            try:
                self._w.send(b"\0")
            except (BlockingIOError, OSError):
                pass  # the loop has not taken the last beats yet: it steps for all of them at once anyway

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        self._r.close()
        self._w.close()
