"""A plain bus reader for tools and tests: subscribes to topics and polls them, outside any flight process."""
from __future__ import annotations

import zmq

from fsw.bus.topology import Topology
from fsw.bus.transport import Received, Subscription
from fsw.clock import Clock, MonotonicClock


def subscription_for(ctx: zmq.Context, topology: Topology, topic: str, clock: Clock,
                     publishers: list[str] | None = None) -> Subscription:
    """A (not yet opened) subscription to `topic` from its publishers in the topology."""
    names = publishers if publishers is not None else topology.publishers_of(topic)
    return Subscription(ctx, topology.registry[topic], [topology.endpoint(p, topic) for p in names], clock)


class BusReader:
    def __init__(self, topology: Topology, topics: list[str], clock: Clock | None = None,
                 publishers: list[str] | None = None) -> None:
        """Read `topics` from all their publishers, or only from `publishers` when given."""
        self.topology = topology
        self.topics = list(topics)
        self.publishers = publishers
        self.clock = clock or MonotonicClock()
        self._ctx: zmq.Context | None = None
        self._poller = zmq.Poller()
        self.subscriptions: dict[str, Subscription] = {}

    def open(self) -> "BusReader":
        self._ctx = zmq.Context()
        for topic in self.topics:
            sub = subscription_for(self._ctx, self.topology, topic, self.clock, self.publishers)
            sub.open()
            self.subscriptions[topic] = sub
            self._poller.register(sub.socket, zmq.POLLIN)
        return self

    def close(self) -> None:
        for sub in self.subscriptions.values():
            sub.close()
        self.subscriptions.clear()
        if self._ctx is not None:
            self._ctx.term()
            self._ctx = None

    def __enter__(self) -> "BusReader":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poll(self, timeout_ms: int) -> list[Received]:
        """Wait up to `timeout_ms` for anything, then return every message waiting."""
        ready = dict(self._poller.poll(timeout_ms))
        out: list[Received] = []
        for sub in self.subscriptions.values():
            if sub.socket in ready:
                out.extend(sub.drain())
        return out
