"""Which records belong in a flight's log (pure): those stamped from the ARMED event's time to the LANDED (or
DISARMED) event's, whatever order they arrived in -- so a lockstep flight's log is the same every run.

Messages reach the logger on many sockets, so their arrival order is not their time order:
- some stamped after the ARMED event arrive before it: the window keeps the last `recent_ns` of records to take
  them in when the flight opens;
- some stamped after the LANDED event arrive before it: so the flight's records are held until one stamped
  `late_ns` after them has arrived, and those stamped after the end are dropped when the end becomes known.
  Once a record stamped `late_ns` past the end arrives, the flight's records are all in: its log closes.
"""
from __future__ import annotations

from collections import deque


class FlightWindow:
    def __init__(self, recent_ns: int, late_ns: int) -> None:
        self.recent_ns, self.late_ns = recent_ns, late_ns
        self._recent: deque[tuple[int, bytes]] = deque()
        self._held: deque[tuple[int, bytes]] = deque()  # the flight's, not yet handed out (arrival order)
        self._newest = 0
        self._from_ns: int | None = None  # None: no flight open
        self._until_ns: int | None = None  # None: the flight goes on

    @property
    def open(self) -> bool:
        return self._from_ns is not None

    def armed(self, t_ns: int) -> None:
        """A flight from `t_ns`: the records already in hand that belong to it are held for it."""
        self._from_ns, self._until_ns = t_ns, None
        self._held = deque((t, record) for t, record in self._recent if t >= t_ns)

    def ended(self, t_ns: int) -> None:
        """The flight ended at `t_ns`: what is held and stamped after it is not the flight's."""
        if self.open:
            self._until_ns = t_ns
            self._held = deque((t, record) for t, record in self._held if t <= t_ns)

    def offer(self, t_ns: int, record: bytes) -> tuple[list[bytes], bool]:
        """Take a record: (the flight's records now due in its log, whether its log is now complete)."""
        self._recent.append((t_ns, record))
        while self._recent and self._recent[0][0] < t_ns - self.recent_ns:
            self._recent.popleft()
        if self._from_ns is None:
            return [], False
        self._newest = max(self._newest, t_ns)
        if self._until_ns is not None and t_ns > self._until_ns + self.late_ns:
            return self.drain(), True
        if t_ns >= self._from_ns and (self._until_ns is None or t_ns <= self._until_ns):
            self._held.append((t_ns, record))
        return self._due(), False

    def drain(self) -> list[bytes]:
        """Everything held for the flight (it closes: the end, or the process stopping); no flight is open after."""
        out = [record for _, record in self._held]
        self._held.clear()
        self._from_ns = self._until_ns = None
        return out

    def _due(self) -> list[bytes]:
        edge = self._newest - self.late_ns
        out = []
        while self._held and self._held[0][0] <= edge:
            out.append(self._held.popleft()[1])
        return out
