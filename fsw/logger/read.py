"""Reading a flight log back as messages, and what tools make of it: the info summary, CSV per topic, MCAP
(so a flight opens in Foxglove or PlotJuggler)."""
from __future__ import annotations

import csv
import enum
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fsw.bus.message import DecodeError, Message
from fsw.bus.topics import TopicRegistry, UnknownTopic, default_registry
from fsw.logger.logfile import Kind, Record, ReadReport, read_log

NS = 1e-9


@dataclass
class Decoded:
    messages: list[tuple[str, Message]] = field(default_factory=list)
    images: list[Record] = field(default_factory=list)
    gaps: Counter = field(default_factory=Counter)  # topic -> messages lost
    undecodable: Counter = field(default_factory=Counter)  # topic -> records that would not decode
    report: ReadReport = field(default_factory=ReadReport)


def decode_log(path: str | Path, registry: TopicRegistry | None = None) -> Decoded:
    """Every record of a log, decoded with `registry` (default: the flight software's topics; a log of a
    simulated flight also holds the simulator's, which its tools pass in)."""
    records, report = read_log(path)
    registry = registry or default_registry()
    out = Decoded(report=report)
    for r in records:
        if r.kind is Kind.MESSAGE:
            try:
                msg, _ = registry[r.topic].codec.decode(r.topic, r.body)
                out.messages.append((r.topic, msg))
            except (UnknownTopic, DecodeError):
                out.undecodable[r.topic] += 1
        elif r.kind is Kind.GAP:
            out.gaps[r.topic] += int(r.body[1])
        elif r.kind is Kind.IMAGE:
            out.images.append(r)
    return out


def plain(value: Any) -> Any:
    """A message field as plain JSON-able data."""
    if isinstance(value, enum.Enum):
        return value.name
    if is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def as_dict(msg: Message) -> dict[str, Any]:
    return {f.name: plain(getattr(msg, f.name)) for f in fields(msg)}


def info(path: str | Path, registry: TopicRegistry | None = None) -> dict[str, Any]:
    """What a log holds: per topic count, rate, gaps; duration; events by severity; damage."""
    d = decode_log(path, registry)
    times = [m.t_ns for _, m in d.messages]
    duration = (max(times) - min(times)) * NS if times else 0.0
    counts = Counter(t for t, _ in d.messages)
    events = [m for t, m in d.messages if t == "event"]
    return {"file": str(path), "software": (d.report.header or {}).get("software"), "records": d.report.records,
            "skipped": skipped(d), "duration_s": round(duration, 3),
            "topics": {t: {"messages": n, "rate_hz": round(n / duration, 2) if duration else 0.0,
                           "gaps": d.gaps.get(t, 0)} for t, n in sorted(counts.items())},
            "images": len(d.images), "events": Counter(e.severity.name for e in events),
            "event_list": [f"{e.t_ns * NS:9.3f} {e.source:<8} {e.severity.name:<11} {e.name}: {e.text}"
                           for e in events],
            "undecodable": dict(d.undecodable), "damaged": d.report.skipped,
            "torn_tail_bytes": d.report.torn_tail_bytes}


def flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, list) and len(value) <= 9 and all(not isinstance(v, (list, dict)) for v in value):
        for i, v in enumerate(value):
            yield f"{prefix}_{i}", v
    elif isinstance(value, (list, dict)):
        yield prefix, json.dumps(value)
    else:
        yield prefix, value


def export_csv(path: str | Path, out_dir: str | Path,
               registry: TopicRegistry | None = None) -> tuple[list[Path], Decoded]:
    """One CSV per topic; vectors spread over columns (`pos_m_0`...), nested data as JSON. Returns the files
    and what was decoded (its damage report says what was skipped)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[dict]] = {}
    decoded = decode_log(path, registry)
    for topic, msg in decoded.messages:
        row = {}
        for name, value in as_dict(msg).items():
            row.update(flatten(name, value))
        rows.setdefault(topic, []).append(row)
    written = []
    for topic, topic_rows in rows.items():
        target = out_dir / f"{topic}.csv"
        with open(target, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(topic_rows[0]))
            writer.writeheader()
            writer.writerows(topic_rows)
        written.append(target)
    return written, decoded


def skipped(d: Decoded) -> str:
    """What reading the log skipped, in one line ("" when nothing was)."""
    parts = []
    if d.report.skipped:
        parts.append(f"{len(d.report.skipped)} damaged stretch(es) ({sum(n for _, n in d.report.skipped)} bytes)")
    if d.report.torn_tail_bytes:
        parts.append(f"a torn tail of {d.report.torn_tail_bytes} bytes")
    if d.undecodable:
        parts.append(f"{sum(d.undecodable.values())} undecodable record(s) "
                     f"({', '.join(f'{t} {n}' for t, n in sorted(d.undecodable.items()))})")
    return "; ".join(parts)
