"""ZeroMQ transport: one publisher socket per topic, subscriptions that count gaps and bad frames.

Frames of a message: `[topic, header]` or, for image messages, `[topic, header, pixels]`. A bundle of small
messages of one topic is `[topic, b"", header, header, ...]`: a publisher may hold up to `bundle` messages of a
high-rate stream and send them in one go (the lockstep simulation does, for the IMU and the actuator commands:
a wakeup of every reader per message cost more than the message). Readers take a bundle's messages one by
one, each numbered and checked as if it came alone. Publishers are XPUB sockets so they see their
subscribers arrive: `wait_subscribers` is the readiness handshake, and nobody sleeps hoping a subscriber has
connected.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import zmq

from fsw.bus.message import DecodeError, Envelope, Message
from fsw.bus.stats import SeqTracker, TopicStats
from fsw.bus.topics import MAX_BUNDLE, Delivery, Topic
from fsw.clock import Clock

log = logging.getLogger("ginny.bus")

_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024  # a 4208x3120 colour capture is 39 MB
_EVENTS, _POLLIN = int(zmq.EVENTS), int(zmq.POLLIN)  # plain ints: pyzmq's enum operators cost a microsecond
_SEND_MORE, _SEND_LAST = int(zmq.SNDMORE | zmq.NOBLOCK), int(zmq.NOBLOCK)
_LOG_FIRST = 10  # log every one of the first errors of a kind, then one in _LOG_EVERY
_LOG_EVERY = 1000


@dataclass(frozen=True, eq=False)
class Received:
    topic: str
    publisher: str
    seq: int
    msg: Any  # the decoded Message
    recv_ns: int
    header: bytes | None = None  # the header frame as received (messages without pixels), for recorders


class Publisher:
    """Publishes one topic at one endpoint, numbering its messages."""

    def __init__(self, ctx: zmq.Context, topic: Topic, endpoint: str, name: str) -> None:
        self.topic = topic
        self.endpoint = endpoint
        self.name = name
        self._ctx = ctx
        self._sock: zmq.Socket | None = None
        self._seq = 0
        self._topic_frame = topic.name.encode()
        self.subscribers = 0
        self.bundle = 1
        self._held: list[bytes] = []

    def hold(self, bundle: int) -> None:
        """Send this topic's messages `bundle` at a time (1: each at once); `flush` sends what is held."""
        if not 1 <= bundle <= MAX_BUNDLE:
            raise ValueError(f"{self.topic.name}: a bundle is 1..{MAX_BUNDLE} messages, not {bundle}")
        if bundle > 1 and self.topic.codec.payload_index >= 0:
            raise ValueError(f"{self.topic.name}: messages with pixels are never bundled")
        self.flush()
        self.bundle = bundle

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def flush(self) -> None:
        """Send the held messages as one bundle (or alone, if there is one)."""
        held, self._held = self._held, []
        if len(held) == 1:
            self._send([self._topic_frame, held[0]], copy=True)
        elif held:
            self._send([self._topic_frame, b"", *held], copy=True)

    def open(self) -> None:
        sock = self._ctx.socket(zmq.XPUB)
        sock.setsockopt(zmq.SNDHWM, self.topic.hwm)
        sock.setsockopt(zmq.XPUB_VERBOSER, 1)
        sock.setsockopt(zmq.LINGER, 0)
        try:
            sock.bind(self.endpoint)
        except zmq.ZMQError:
            sock.close(linger=0)  # left open, it would hold the context's term() for ever
            raise
        self._sock = sock

    def close(self) -> None:
        if self._sock is not None:
            self.flush()
            self._sock.close(linger=0)
            self._sock = None

    @property
    def last_endpoint(self) -> str:
        """The endpoint actually bound (resolves a `tcp://host:*` wildcard port)."""
        return self._sock.getsockopt_string(zmq.LAST_ENDPOINT)

    @property
    def seq(self) -> int:
        """The sequence number the next message will carry."""
        return self._seq

    def publish(self, msg: Message) -> int:
        """Send `msg` (never blocks; at the high-water mark ZeroMQ drops it and subscribers see a gap)."""
        if not isinstance(msg, self.topic.message):
            raise TypeError(f"{self.topic.name} carries {self.topic.message.__name__}, not {type(msg).__name__}")
        seq = self._seq
        self._seq += 1
        header, pixels = self.topic.codec.encode(msg, Envelope(self.name, seq))
        if self.bundle > 1:
            self._held.append(header)
            if len(self._held) >= self.bundle:
                self.flush()
            return seq
        frames: list[Any] = [self._topic_frame, header]
        if pixels is not None:
            frames.append(pixels)
        self._send(frames, copy=pixels is None)
        return seq

    def _send(self, frames: list[Any], copy: bool) -> None:
        """One multipart message, frame by frame with plain-int flags (`send_multipart` combines enum flags for
        every frame: a tenth of a publish's cost)."""
        send, last = self._sock.send, len(frames) - 1
        try:
            for i, f in enumerate(frames):
                send(f, _SEND_MORE if i < last else _SEND_LAST, copy=copy)
        except zmq.Again:
            pass  # XPUB without NODROP does not raise; kept for safety

    def poll_subscriptions(self, timeout_ms: int = 0) -> int:
        """Read subscribe/unsubscribe notices; return the number of live subscriptions."""
        while self._sock.poll(timeout_ms, zmq.POLLIN):
            timeout_ms = 0
            notice = self._sock.recv(zmq.NOBLOCK)
            if notice[:1] == b"\x01":
                self.subscribers += 1
            elif notice[:1] == b"\x00":
                self.subscribers = max(0, self.subscribers - 1)
        return self.subscribers

    def wait_subscribers(self, count: int, timeout_ns: int, clock: Clock) -> bool:
        """Handshake: wait until at least `count` subscribers are connected, or the timeout passes."""
        deadline = clock.now_ns() + timeout_ns
        while self.poll_subscriptions() < count:
            left_ms = (deadline - clock.now_ns()) // 1_000_000
            if left_ms <= 0:
                return False
            self.poll_subscriptions(min(int(left_ms), 100))
        return True


class Subscription:
    """Reads one topic from one or more publishers; counts gaps, resets and bad frames, and keeps going."""

    def __init__(self, ctx: zmq.Context, topic: Topic, endpoints: list[str], clock: Clock) -> None:
        self.topic = topic
        self.endpoints = list(endpoints)
        self.stats = TopicStats()
        self._ctx = ctx
        self._clock = clock
        self._seq = SeqTracker()
        self._topic_frame = topic.name.encode()
        self._zero_copy = topic.codec.payload_index >= 0  # images: no copy; small messages: bytes are faster
        self.socket: zmq.Socket | None = None

    def open(self) -> None:
        sock = self._ctx.socket(zmq.SUB)
        sock.setsockopt(zmq.RCVHWM, self.topic.hwm)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, 2 * _MAX_PAYLOAD_BYTES)
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        for endpoint in self.endpoints:
            sock.connect(endpoint)
        self.socket = sock

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close(linger=0)
            self.socket = None

    def drain(self, limit: int = 10_000) -> list[Received]:
        """Take every message waiting now (at most `limit`); LATEST topics keep the newest per publisher."""
        out: list[Received] = []
        sock = self.socket
        zero_copy = self._zero_copy
        for _ in range(limit):
            if not sock.getsockopt(_EVENTS) & _POLLIN:  # cheaper than catching zmq.Again
                break
            frames = sock.recv_multipart(zmq.NOBLOCK, copy=not zero_copy)
            for one in self._unbundle(frames):
                rec = self._decode(one)
                if rec is not None:
                    out.append(rec)
        if self.topic.delivery is Delivery.LATEST and len(out) > 1:
            out = self._newest_per_publisher(out)
        return out

    def _newest_per_publisher(self, received: list[Received]) -> list[Received]:
        newest = {r.publisher: r for r in received}
        self.stats.superseded += len(received) - len(newest)
        return list(newest.values())

    def _unbundle(self, frames: list) -> list[list]:
        """A bundle's messages, each as its own `[topic, header]`; any other message as it is."""
        if self._zero_copy or len(frames) < 3 or len(frames[1]) != 0:  # a bundle's second frame is empty
            return [frames]
        headers = frames[2:]
        if len(headers) > MAX_BUNDLE:
            self._reject(DecodeError("malformed", self.topic.name, f"a bundle of {len(headers)} messages"))
            return []
        return [[frames[0], h] for h in headers]

    def _reject(self, exc: DecodeError) -> None:
        stats = self.stats
        stats.count_error(exc.kind)
        count = getattr(stats, exc.kind)
        if count <= _LOG_FIRST or count % _LOG_EVERY == 0:
            log.warning("dropped bad message (%d so far): %s", count, exc)

    def _decode(self, frames: list[zmq.Frame]) -> Received | None:
        stats = self.stats
        try:
            msg, env = self._decode_frames(frames)
        except DecodeError as exc:
            self._reject(exc)
            return None
        now = self._clock.now_ns()
        self._seq.observe(env.publisher, env.seq, stats)
        stats.received += 1
        stats.last_recv_ns = now
        header = None if self._zero_copy else frames[1]
        return Received(self.topic.name, env.publisher, env.seq, msg, now, header)

    def _decode_frames(self, frames: list) -> tuple[Message, Envelope]:
        """`frames` are zmq.Frame objects for image topics, bytes otherwise."""
        name = self.topic.name
        if self._zero_copy:
            frames = [frames[0].bytes] + [f.buffer for f in frames[1:]]
        if len(frames) not in (2, 3) or frames[0] != self._topic_frame:
            raise DecodeError("malformed", name, f"{len(frames)} frames or wrong topic frame")
        header = frames[1]
        size = len(header) if isinstance(header, bytes) else header.nbytes
        if size > self.topic.max_header_bytes:
            raise DecodeError("oversized", name, f"header of {size} bytes")
        payload = frames[2] if len(frames) == 3 else None
        if payload is not None and memoryview(payload).nbytes > _MAX_PAYLOAD_BYTES:
            raise DecodeError("oversized", name, f"payload of {memoryview(payload).nbytes} bytes")
        return self.topic.codec.decode(name, header, payload)
