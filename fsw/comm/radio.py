"""The emulated radio (pure): bandwidth, latency, random loss and outages, with a downlink priority queue.

Each direction is a `Channel`: one frame on the air at a time, taking `8 * bytes / bandwidth` seconds, then
arriving `latency` later unless lost. The downlink queue sends events and acknowledgements first, then
essential telemetry, then process telemetry, then images and files. A frame queued with a `key` replaces the
queued frame with the same key (the newest vehicle state, one telemetry frame per process): telemetry is
decimated to what the link can carry, events never are. During an outage nothing goes on the air either way;
queued downlink frames wait for the link to come back.
"""
from __future__ import annotations

import enum
import heapq
import itertools
import re
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fsw.config.stack import RadioConfig
from fsw.faultspec import FaultSpecError, spec_number


NS_PER_S = 1_000_000_000


_LINK_FAULT = re.compile(r"^link\.(?P<kind>outage|loss)@(?P<start>[^:]+):(?P<dur>[^:]+)(:(?P<pct>[^:]+))?$")


@dataclass(frozen=True)
class LinkFault:
    kind: str  # outage | loss
    start_s: float
    duration_s: float
    loss_pct: float  # loss only


def parse_link_fault(spec: str) -> LinkFault:
    """`link.outage@START:DURATION` or `link.loss@START:DURATION:PCT`."""
    m = _LINK_FAULT.match(spec)
    if m is None or (m["kind"] == "loss") != (m["pct"] is not None):
        raise FaultSpecError(spec, "link faults are link.outage@START:DURATION or link.loss@START:DURATION:PCT")
    start = spec_number(spec, m["start"], "the start time")
    duration = spec_number(spec, m["dur"], "the duration", positive=True)
    pct = spec_number(spec, m["pct"], "the loss percentage", most=100.0) if m["pct"] else 0.0
    return LinkFault(m["kind"], start, duration, pct)


class Priority(enum.IntEnum):
    EVENT = 0  # events and command acknowledgements: never dropped while the vehicle has memory for them
    STATE = 1  # essential telemetry: the newest only
    TLM = 2  # process telemetry: the newest per process
    BULK = 3  # images and file chunks


_QUEUE_LIMIT = {Priority.EVENT: 20_000, Priority.STATE: 4, Priority.TLM: 64, Priority.BULK: 32}


@dataclass
class LinkStats:
    frames_sent: int = 0
    bytes_sent: int = 0
    frames_lost: int = 0  # lost on the air (loss %)
    frames_dropped: int = 0  # pushed out of a full queue
    frames_decimated: int = 0  # replaced in the queue by a newer frame with the same key
    frames_outage: int = 0  # on the air when an outage began, or sent up into one


@dataclass(order=True)
class _InFlight:
    arrive_ns: int
    order: int
    item: Any = field(compare=False)


class Channel:
    """One direction of the radio: a queue per priority, one frame on the air at a time, latency, loss."""

    def __init__(self, cfg: RadioConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.rng = rng
        self.loss = cfg.loss_pct / 100.0
        self.queues: dict[Priority, OrderedDict] = {p: OrderedDict() for p in Priority}
        self.air: list[_InFlight] = []
        self.free_ns = 0  # when the frame on the air has been sent
        self._last_pump_ns = 0
        self.stats = LinkStats()
        self._order = itertools.count()

    def queue(self, item: Any, size: int, priority: Priority = Priority.EVENT, key: Any = None) -> None:
        q = self.queues[priority]
        k = key if key is not None else ("#", next(self._order))
        if k in q:
            self.stats.frames_decimated += 1
            del q[k]
        q[k] = (item, size)
        while len(q) > _QUEUE_LIMIT[priority]:
            q.popitem(last=False)
            self.stats.frames_dropped += 1

    def queued(self, priority: Priority | None = None) -> int:
        return sum(len(q) for p, q in self.queues.items() if priority is None or p is priority)

    def pump(self, now_ns: int, up: bool) -> list[Any]:
        """Put queued frames on the air while the link is up and free; return the frames that arrived."""
        since = self._last_pump_ns
        self._last_pump_ns = now_ns
        while up and self.free_ns <= now_ns:
            nxt = self._next()
            if nxt is None:
                break
            item, size = nxt
            start = max(self.free_ns, since)  # an idle channel could have sent it since the last pump
            self.free_ns = start + round(8 * size * NS_PER_S / self.cfg.bandwidth_bps)
            self.stats.frames_sent += 1
            self.stats.bytes_sent += size
            if self.loss and self.rng.random() < self.loss:
                self.stats.frames_lost += 1
                continue
            arrive = self.free_ns + round(self.cfg.latency_ms * 1e6)
            heapq.heappush(self.air, _InFlight(arrive, next(self._order), item))
        out = []
        while self.air and self.air[0].arrive_ns <= now_ns:
            out.append(heapq.heappop(self.air).item)
        return out

    def cut(self) -> None:
        """An outage began: what is on the air is lost."""
        self.stats.frames_outage += len(self.air)
        self.air.clear()

    def discard_queued(self) -> None:
        """Frames sent into an outage (the uplink: the ground's radio does not hold them) are lost."""
        self.stats.frames_outage += self.queued()
        for q in self.queues.values():
            q.clear()

    def _next(self) -> tuple[Any, int] | None:
        for p in Priority:
            if self.queues[p]:
                return self.queues[p].popitem(last=False)[1]
        return None


class Radio:
    """Both directions and the outage windows, on one clock (ns)."""

    def __init__(self, cfg: RadioConfig, start_ns: int) -> None:
        rng = np.random.default_rng([cfg.seed, 250])
        self.down = Channel(cfg, rng)
        self.up = Channel(cfg, rng)
        self.outages: deque[tuple[int, int]] = deque(sorted(
            (start_ns + round(s * NS_PER_S), start_ns + round((s + d) * NS_PER_S)) for s, d in cfg.outages))
        self._was_up = True
        self._loss_windows: list[tuple[int, int, float]] = []
        for s, d, pct in cfg.loss_windows:
            self.add_loss(start_ns + round(s * NS_PER_S), d, pct)
        self.base_loss = self.down.loss

    def add_outage(self, start_ns: int, duration_s: float) -> None:
        self.outages.append((start_ns, start_ns + round(duration_s * NS_PER_S)))
        self.outages = deque(sorted(self.outages))

    def add_loss(self, start_ns: int, duration_s: float, pct: float) -> None:
        self._loss_windows.append((start_ns, start_ns + round(duration_s * NS_PER_S), pct / 100.0))

    def is_up(self, now_ns: int) -> bool:
        while self.outages and self.outages[0][1] <= now_ns:
            self.outages.popleft()
        return not (self.outages and self.outages[0][0] <= now_ns)

    def pump(self, now_ns: int) -> tuple[list[Any], list[Any]]:
        """Advance both directions to `now_ns`: (downlink frames arrived at the ground, uplink frames
        arrived at the vehicle)."""
        up = self.is_up(now_ns)
        if self._was_up and not up:
            self.down.cut()
            self.up.cut()
        self._was_up = up
        if not up:
            self.up.discard_queued()
        loss = max([p for s, e, p in self._loss_windows if s <= now_ns < e], default=self.base_loss)
        self.down.loss = self.up.loss = loss
        return self.down.pump(now_ns, up), self.up.pump(now_ns, up)
