"""What `ginny bus top` and `ginny bus echo` show (pure): per-topic rates and health, messages as text."""
from __future__ import annotations

import dataclasses
import enum
from collections import deque
from dataclasses import dataclass

import numpy as np

from fsw.bus.stats import TopicStats
from fsw.bus.transport import Received
from fsw.clock import NS_PER_MS, NS_PER_S


class RateMeter:
    """Message rate over a sliding window of arrival times."""

    def __init__(self, window_ns: int = 2 * NS_PER_S) -> None:
        self.window_ns = window_ns
        self._times: deque[int] = deque()

    def add(self, t_ns: int) -> None:
        self._times.append(t_ns)

    def rate_hz(self, now_ns: int) -> float:
        while self._times and now_ns - self._times[0] > self.window_ns:
            self._times.popleft()
        if len(self._times) < 2:
            return 0.0
        span = max(now_ns - self._times[0], 1)
        return (len(self._times) - 1) * NS_PER_S / span


@dataclass(frozen=True)
class TopRow:
    topic: str
    publishers: int
    rate_hz: float
    received: int
    gaps: int
    errors: int
    age_ms: float | None  # since the last message; None if none yet


def top_row(topic: str, stats: TopicStats, meter: RateMeter, now_ns: int) -> TopRow:
    age = (now_ns - stats.last_recv_ns) / NS_PER_MS if stats.last_recv_ns >= 0 else None
    return TopRow(topic, len(stats.publishers), meter.rate_hz(now_ns), stats.received + stats.superseded,
                  stats.gaps, stats.errors, age)


TOP_HEADER = ("topic", "pubs", "rate Hz", "msgs", "gaps", "errors", "age ms")


def top_cells(row: TopRow) -> tuple[str, ...]:
    age = "-" if row.age_ms is None else f"{row.age_ms:.0f}"
    return (row.topic, str(row.publishers), f"{row.rate_hz:.1f}", str(row.received), str(row.gaps),
            str(row.errors), age)


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Plain text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for cells in [header, *rows]:
        parts = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def describe_value(value: object) -> str:
    if isinstance(value, np.ndarray):
        dims = "x".join(str(d) for d in (value.shape[1], value.shape[0], *value.shape[2:])) \
            if value.ndim >= 2 else str(value.shape[0])
        mean = float(value.mean()) if value.size else 0.0
        return f"<image {dims} {value.dtype} mean {mean:.1f}>"
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(describe_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe_value(v)}" for k, v in value.items()) + "}"
    if dataclasses.is_dataclass(value):
        return "(" + " ".join(f"{f.name}={describe_value(getattr(value, f.name))}"
                              for f in dataclasses.fields(value)) + ")"
    return repr(value)


def describe(rec: Received) -> str:
    """One line per message: topic, publisher#seq, then every field (images summarized)."""
    fields = " ".join(f"{f.name}={describe_value(getattr(rec.msg, f.name))}"
                      for f in dataclasses.fields(rec.msg))
    return f"{rec.topic} {rec.publisher}#{rec.seq} {fields}"
