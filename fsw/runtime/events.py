"""Event throttling (pure): at most `limit` events of one name per window; the rest are counted."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Window:
    start_ns: int
    sent: int = 0
    suppressed: int = 0


class EventThrottle:
    """Decides whether an event may go out now; reports how many of its name were suppressed before it."""

    def __init__(self, limit: int, window_ns: int) -> None:
        if limit < 1 or window_ns <= 0:
            raise ValueError("throttle needs limit >= 1 and a positive window")
        self.limit = limit
        self.window_ns = window_ns
        self._windows: dict[str, _Window] = {}
        self.total_suppressed = 0

    def admit(self, name: str, now_ns: int) -> int | None:
        """None if the event must be dropped, else the count suppressed since the last one sent."""
        w = self._windows.get(name)
        if w is None or now_ns - w.start_ns >= self.window_ns:
            carried = w.suppressed if w else 0
            self._windows[name] = _Window(now_ns, sent=1)
            return carried
        if w.sent < self.limit:
            w.sent += 1
            carried, w.suppressed = w.suppressed, 0
            return carried
        w.suppressed += 1
        self.total_suppressed += 1
        return None
