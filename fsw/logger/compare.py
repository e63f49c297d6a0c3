"""Comparing two flight logs message by message (pure): what a lockstep run's repeatability is judged by.

Each log is read as one stream per (topic, publisher), in the order the publisher numbered its messages, and
two logs are the same when every stream holds the same messages, byte for byte as they were recorded. Left
out, because they measure the machine and not the flight: the liveness and resource topics (`HOST_TOPICS`),
commands and their acknowledgements (an operator's, and the supervisor's), the events of the processes that
report on the host (`HOST_EVENT_SOURCES`: the supervisor, the logger, the radio), and the fields that time
the host's work (`HOST_FIELDS`: the tracker's processing time and its wall-clock latency), which are zeroed
before comparing. Images are compared by their records (time and size), not their files.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from fsw.bus.message import DecodeError, Envelope
from fsw.bus.topics import TopicRegistry, UnknownTopic
from fsw.logger.logfile import Kind, read_log

HOST_TOPICS = frozenset({"heartbeat", "tlm", "health.procs", "board.health", "cmd", "cmd.ack"})
HOST_EVENT_SOURCES = frozenset({"health", "logger", "comm"})
HOST_FIELDS = {"nav.track": ("proc_ms", "latency_ms")}

Stream = tuple[str, str]  # (topic, publisher)


@dataclass(frozen=True)
class Difference:
    stream: Stream
    index: int  # the first message that differs (or is missing) in the stream
    reason: str

    def __str__(self) -> str:
        return f"{self.stream[0]} from {self.stream[1]}, message {self.index}: {self.reason}"


@dataclass(frozen=True)
class Comparison:
    messages: int  # compared in the first log
    streams: int
    differences: list[Difference]

    @property
    def identical(self) -> bool:
        return not self.differences


def flight_streams(path: str | Path, registry: TopicRegistry) -> dict[Stream, list[bytes]]:
    """A log's messages as the compared streams (what measures the host left out or zeroed)."""
    records, _ = read_log(path)
    streams: dict[Stream, list[bytes]] = defaultdict(list)
    for r in records:
        if r.kind is Kind.IMAGE:
            streams[(r.topic, "images")].append(repr((r.t_ns, sorted(r.body.items()) if isinstance(r.body, dict)
                                                      else r.body)).encode())
        if r.kind is not Kind.MESSAGE or r.topic in HOST_TOPICS:
            continue
        try:
            codec = registry[r.topic].codec
            msg, env = codec.decode(r.topic, r.body)
        except (UnknownTopic, DecodeError):
            streams[(r.topic, "?")].append(bytes(r.body))
            continue
        if r.topic == "event" and msg.source in HOST_EVENT_SOURCES:
            continue
        body = bytes(r.body)
        if r.topic in HOST_FIELDS:
            msg = dataclasses.replace(msg, **{f: 0.0 for f in HOST_FIELDS[r.topic]})
            body = bytes(codec.encode(msg, Envelope(env.publisher, env.seq))[0])
        streams[(r.topic, env.publisher)].append(body)
    return dict(streams)


def compare_logs(a: str | Path, b: str | Path, registry: TopicRegistry) -> Comparison:
    sa, sb = flight_streams(a, registry), flight_streams(b, registry)
    diffs = []
    for stream in sorted(set(sa) | set(sb)):
        x, y = sa.get(stream, []), sb.get(stream, [])
        first = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), None)
        if first is not None:
            diffs.append(Difference(stream, first, "payloads differ"))
        elif len(x) != len(y):
            diffs.append(Difference(stream, min(len(x), len(y)), f"{len(x)} messages against {len(y)}"))
    return Comparison(sum(len(v) for v in sa.values()), len(sa), diffs)
