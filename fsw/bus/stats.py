"""Per-topic reception statistics and sequence-gap detection (pure)."""
from __future__ import annotations

from dataclasses import dataclass, field

ERROR_KINDS = ("malformed", "version", "oversized")


@dataclass
class TopicStats:
    received: int = 0  # decoded and delivered (LATEST readers count superseded ones here too)
    gaps: int = 0  # messages missing between consecutive sequence numbers of one publisher
    resets: int = 0  # a publisher's sequence went back: it restarted
    superseded: int = 0  # LATEST readers: older values skipped for a newer one
    malformed: int = 0
    version: int = 0
    oversized: int = 0
    last_recv_ns: int = -1
    publishers: set[str] = field(default_factory=set)

    @property
    def errors(self) -> int:
        return self.malformed + self.version + self.oversized

    def count_error(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)


class SeqTracker:
    """Follows the sequence numbers of each publisher of one topic and counts what went missing."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def observe(self, publisher: str, seq: int, stats: TopicStats) -> int:
        """Record `seq` from `publisher`; return how many messages were missed just before it."""
        last = self._last.get(publisher)
        self._last[publisher] = seq
        stats.publishers.add(publisher)
        if last is None:
            return 0
        if seq <= last:
            stats.resets += 1
            return 0
        missed = seq - last - 1
        stats.gaps += missed
        return missed
