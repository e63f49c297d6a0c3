"""Which records belong in a flight's log (pure): those stamped from the ARMED event's time to the LANDED (or
DISARMED) event's, whatever order they arrived in -- so a lockstep flight's log is the same every run.

Messages reach the logger on many sockets, so some stamped after the ARMED event arrive before it: the window
keeps the last `recent_ns` of records to take them in when the flight opens. After the end, records stamped up
to it are still kept until one stamped `late_ns` past it arrives, which closes the flight's log.
"""
from __future__ import annotations

import enum
from collections import deque


class Verdict(enum.Enum):
    SKIP = "skip"  # not the flight's
    KEEP = "keep"  # into the flight's log
    CLOSE = "close"  # the flight's records are all in: close its log


class FlightWindow:
    def __init__(self, recent_ns: int, late_ns: int) -> None:
        self.recent_ns, self.late_ns = recent_ns, late_ns
        self._recent: deque[tuple[int, bytes]] = deque()
        self._from_ns: int | None = None  # None: no flight open
        self._until_ns: int | None = None  # None: the flight goes on

    @property
    def open(self) -> bool:
        return self._from_ns is not None

    def armed(self, t_ns: int) -> list[bytes]:
        """A flight from `t_ns`: the records already in hand that belong to it."""
        self._from_ns, self._until_ns = t_ns, None
        return [record for t, record in self._recent if t >= t_ns]

    def ended(self, t_ns: int) -> None:
        if self.open:
            self._until_ns = t_ns

    def offer(self, t_ns: int, record: bytes) -> Verdict:
        self._recent.append((t_ns, record))
        while self._recent and self._recent[0][0] < t_ns - self.recent_ns:
            self._recent.popleft()
        if self._from_ns is None:
            return Verdict.SKIP
        if self._until_ns is not None and t_ns > self._until_ns + self.late_ns:
            self._from_ns = self._until_ns = None
            return Verdict.CLOSE
        if t_ns >= self._from_ns and (self._until_ns is None or t_ns <= self._until_ns):
            return Verdict.KEEP
        return Verdict.SKIP
