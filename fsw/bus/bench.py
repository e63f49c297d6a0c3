"""Bus benchmark: 640x480 frames and small messages between two processes, over ipc and tcp.

The publisher runs here and the subscriber in a child process, both through the real transport (Publisher,
Subscription, codecs). Throughput runs with a credit window (the subscriber acknowledges every `ACK_EVERY`
messages) so nothing is dropped at the high-water mark and the figure is what the link sustains. Latency is
one message at a time, each sent after the previous one was acknowledged: exposure-stamp to decoded array.
The round trip is a small message answered by a small message, one at a time: the floor of a lockstep step,
in which the world sends the sensors and waits for the actuator command (with the CPU time it costs the
sending process, its ZeroMQ I/O thread included).
"""
from __future__ import annotations

import multiprocessing as mp
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np
import zmq

from fsw.bus import messages as m
from fsw.bus.message import Message
from fsw.bus.topics import Delivery, Topic, TopicRegistry
from fsw.bus.transport import Publisher, Subscription
from fsw.clock import NS_PER_S, MonotonicClock


@dataclass(frozen=True, eq=False)
class BenchAck(Message):
    """The bench's answer to a message: how many it has had of that kind."""

    count: int


WINDOW = {"frame": 32, "small": 2000}
ACK_EVERY = {"frame": 8, "small": 200}
_TIMEOUT_MS = 10_000


def bench_registry() -> TopicRegistry:
    q = Delivery.QUEUE
    return TopicRegistry([
        Topic("bench.frame", m.NavcamFrame, "pub", q, 2 * WINDOW["frame"]),
        Topic("bench.small", m.ImuSample, "pub", q, 2 * WINDOW["small"]),
        Topic("bench.ack", BenchAck, "sub", q, 10_000),
    ])


@dataclass(frozen=True)
class BenchResult:
    frames_per_s: float
    frame_latency_p50_us: float
    frame_latency_p99_us: float
    small_msgs_per_s: float
    round_trip_p50_us: float
    round_trip_cpu_us: float  # the sender's CPU per round trip (its I/O thread included)


def _endpoint(transport: str, run_dir: str, name: str) -> str:
    return f"ipc://{run_dir}/{name}" if transport == "ipc" else "tcp://127.0.0.1:*"


def _subscriber_main(endpoints: dict[str, str], transport: str, run_dir: str, conn: Connection) -> None:
    """Child: receive, acknowledge, measure latency; send the latencies back when told to stop."""
    clock = MonotonicClock()
    reg = bench_registry()
    ctx = zmq.Context()
    ack = Publisher(ctx, reg["bench.ack"], _endpoint(transport, run_dir, "ack"), "sub")
    ack.open()
    subs = {k: Subscription(ctx, reg[f"bench.{k}"], [endpoints[k]], clock) for k in ("frame", "small")}
    for sub in subs.values():
        sub.open()
    conn.send(ack.last_endpoint)
    poller = zmq.Poller()
    for sub in subs.values():
        poller.register(sub.socket, zmq.POLLIN)
    poller.register(conn.fileno(), zmq.POLLIN)
    latencies: list[int] = []  # of the frame probes
    counts = {"frame": 0, "small": 0}
    while not conn.poll():
        ready = dict(poller.poll(100))
        for kind, sub in subs.items():
            if sub.socket not in ready:
                continue
            for rec in sub.drain():
                counts[kind] += 1
                if rec.msg.t_ns > 0 and kind == "frame":  # latency probes carry their send time
                    latencies.append(rec.recv_ns - rec.msg.t_ns)
                if rec.msg.t_ns > 0 or counts[kind] % ACK_EVERY[kind] == 0:
                    ack.publish(BenchAck(0, counts[kind]))
        ack.poll_subscriptions()
    conn.recv()
    conn.send(latencies)
    for sub in subs.values():
        sub.close()
    ack.close()
    ctx.term()


class _Driver:
    """Parent side: publishes and waits for acknowledgements."""

    def __init__(self, transport: str, run_dir: str) -> None:
        self.clock = MonotonicClock()
        self.ctx = zmq.Context()
        reg = bench_registry()
        self.pubs = {k: Publisher(self.ctx, reg[f"bench.{k}"], _endpoint(transport, run_dir, k), "pub")
                     for k in ("frame", "small")}
        for pub in self.pubs.values():
            pub.open()
        self.reg = reg
        self.acked = 0

    def connect_acks(self, endpoint: str) -> None:
        self.acks = Subscription(self.ctx, self.reg["bench.ack"], [endpoint], self.clock)
        self.acks.open()

    def handshake(self) -> None:
        for pub in self.pubs.values():
            if not pub.wait_subscribers(1, 10 * NS_PER_S, self.clock):
                raise RuntimeError("bench subscriber never connected")

    def wait_ack(self, at_least: int) -> None:
        while self.acked < at_least:
            if not self.acks.socket.poll(_TIMEOUT_MS):
                raise RuntimeError(f"no acknowledgement after {self.acked} messages")
            for rec in self.acks.drain():
                self.acked = max(self.acked, rec.msg.count)

    def throughput(self, kind: str, msg_at, count: int) -> float:
        """Messages per second with at most WINDOW[kind] unacknowledged."""
        self.acked = 0
        pub = self.pubs[kind]
        start = self.clock.now_ns()
        for i in range(count):
            if i - self.acked >= WINDOW[kind]:
                self.wait_ack(i - WINDOW[kind] + ACK_EVERY[kind])
            pub.publish(msg_at(i))
        self.wait_ack(count - count % ACK_EVERY[kind])
        return count * NS_PER_S / (self.clock.now_ns() - start)

    def round_trips(self, count: int, already: int) -> tuple[float, float]:
        """Small messages, each answered before the next: (p50 round trip, sender CPU per trip), in us."""
        trips, self.acked = [], already
        cpu = time.process_time()
        for i in range(count):
            start = self.clock.now_ns()
            self.pubs["small"].publish(m.ImuSample(start, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0))
            self.wait_ack(already + i + 1)
            trips.append((self.clock.now_ns() - start) / 1000.0)
        return float(np.percentile(trips, 50)), (time.process_time() - cpu) * 1e6 / count

    def latency_probes(self, pixels: np.ndarray, count: int, already: int) -> None:
        self.acked = already
        for i in range(count):
            self.pubs["frame"].publish(m.NavcamFrame(self.clock.now_ns(), i, 0.0, pixels))
            self.wait_ack(already + i + 1)

    def close(self) -> None:
        self.acks.close()
        for pub in self.pubs.values():
            pub.close()
        self.ctx.term()


def run_bench(transport: str, frames: int = 3000, small: int = 50_000, probes: int = 1000) -> BenchResult:
    """Measure one transport ("ipc" or "tcp")."""
    run_dir = tempfile.mkdtemp(prefix="gbench-", dir="/tmp")
    pixels = (np.arange(480 * 640, dtype=np.uint32) % 251).astype(np.uint8).reshape(480, 640)
    driver = _Driver(transport, run_dir)
    parent, child = mp.get_context("spawn").Pipe()
    endpoints = {k: p.last_endpoint for k, p in driver.pubs.items()}
    proc = mp.get_context("spawn").Process(target=_subscriber_main, args=(endpoints, transport, run_dir, child))
    proc.start()
    try:
        driver.connect_acks(parent.recv())
        driver.handshake()
        fps = driver.throughput("frame", lambda i: m.NavcamFrame(0, i, 0.0, pixels), frames)
        small_rate = driver.throughput("small", lambda i: m.ImuSample(0, (0.0, 0.0, 0.0), (0.0, 0.0, -3.71), 20.0),
                                       small)
        trip_us, trip_cpu_us = driver.round_trips(probes, small)
        driver.latency_probes(pixels, probes, frames)
        parent.send("stop")
        lat_us = np.array(parent.recv(), dtype=np.float64) / 1000.0
    finally:
        driver.close()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    return BenchResult(fps, float(np.percentile(lat_us, 50)), float(np.percentile(lat_us, 99)), small_rate,
                       trip_us, trip_cpu_us)
