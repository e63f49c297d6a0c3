"""The ZeroMQ transport: handshake, gap detection, delivery policies at the high-water mark, bad frames."""
from __future__ import annotations

import os
from collections.abc import Iterator

import msgpack
import pytest
import zmq

from fsw.bus import messages as m
from fsw.bus.message import Envelope
from fsw.bus.topics import default_registry
from fsw.bus.transport import Publisher, Received, Subscription
from fsw.clock import NS_PER_S, MonotonicClock
from tests.conftest import wait_until

from .samples import SAMPLES, T

REGISTRY = default_registry()
CLOCK = MonotonicClock()


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


def pair(ctx: zmq.Context, run_dir: str, topic: str) -> tuple[Publisher, Subscription]:
    endpoint = f"ipc://{run_dir}/{topic}"
    pub = Publisher(ctx, REGISTRY[topic], endpoint, "test")
    pub.open()
    sub = Subscription(ctx, REGISTRY[topic], [endpoint], CLOCK)
    sub.open()
    assert pub.wait_subscribers(1, 5 * NS_PER_S, CLOCK), "subscriber never arrived"
    return pub, sub


def receive_until(sub: Subscription, done, timeout_s: float = 5.0) -> list[Received]:
    got: list[Received] = []

    def step() -> None:
        if sub.socket.poll(50):
            got.extend(sub.drain())

    wait_until(lambda: done(got), timeout_s, step, what=f"messages on {sub.topic.name}")
    return got


def test_handshake_then_every_message_arrives_in_order(ctx, run_dir) -> None:
    pub, sub = pair(ctx, run_dir, "imu")
    for i in range(500):
        assert pub.publish(m.ImuSample(T + i, (0.0, 0.0, float(i)), (0.0, 0.0, -3.71), 20.0)) == i
    got = receive_until(sub, lambda g: len(g) >= 500)
    assert [r.seq for r in got] == list(range(500))
    assert [r.msg.gyro_radps[2] for r in got] == [float(i) for i in range(500)]
    assert sub.stats.gaps == 0 and sub.stats.received == 500 and sub.stats.publishers == {"test"}


def test_wait_subscribers_times_out_without_one(ctx, run_dir) -> None:
    pub = Publisher(ctx, REGISTRY["imu"], f"ipc://{run_dir}/lonely", "test")
    pub.open()
    assert not pub.wait_subscribers(1, NS_PER_S // 20, CLOCK)


def test_queued_topic_keeps_everything_below_its_high_water_mark(ctx, run_dir) -> None:
    pub, sub = pair(ctx, run_dir, "event")
    for i in range(1000):
        pub.publish(m.Event(T, "nav", "E", m.Severity.DIAGNOSTIC, str(i), 0))
    got = receive_until(sub, lambda g: len(g) >= 1000)
    assert [r.msg.text for r in got] == [str(i) for i in range(1000)]
    assert sub.stats.superseded == 0 and sub.stats.gaps == 0


def test_latest_value_topic_delivers_only_the_newest_and_counts_the_rest(ctx, run_dir) -> None:
    pub, sub = pair(ctx, run_dir, "board.health")  # latest-value, high-water mark 4
    sample = lambda i: m.BoardHealth(T + i, 50.0, 0.5, 30.0, 10**9)  # noqa: E731
    for i in range(300):  # nobody reads: the high-water mark drops most of them
        pub.publish(sample(i))
    first = receive_until(sub, lambda g: len(g) >= 1)
    # one drain hands over one message per publisher: the newest of what was waiting
    assert len(first) == 1
    # The queue now drains; new messages go through once it has room. Publish one more each time the
    # reader finds nothing new, until one of them arrives.
    got = list(first)
    published = 300

    def step() -> None:
        nonlocal published
        if sub.socket.poll(20):
            got.extend(sub.drain())
        else:
            pub.publish(sample(published))
            published += 1

    wait_until(lambda: any(r.msg.t_ns >= T + 300 for r in got), 5.0, step, what="a message after the burst")
    seqs = [r.seq for r in got]
    assert seqs == sorted(seqs)
    s = sub.stats
    assert s.received + s.gaps == seqs[-1] + 1  # every message is accounted for: delivered, superseded or lost
    assert s.gaps >= 200, "the high-water mark should have dropped most messages"
    assert s.superseded == s.received - len(got)


def test_navcam_frames_queue_so_none_is_skipped(ctx, run_dir) -> None:
    pub, sub = pair(ctx, run_dir, "navcam")
    pixels = SAMPLES["navcam"].pixels
    for i in range(3):  # a burst within the queue's depth: all of it arrives, in order
        pub.publish(m.NavcamFrame(T + i, i, 100.0, pixels))
    got = receive_until(sub, lambda g: len(g) >= 3)
    assert [r.msg.frame_seq for r in got] == [0, 1, 2] and sub.stats.superseded == 0


def test_a_restarted_publisher_counts_as_reset_not_gap(ctx, run_dir) -> None:
    pub, sub = pair(ctx, run_dir, "altimeter")
    for _ in range(3):
        pub.publish(m.AltimeterSample(T, 1.0, True))
    receive_until(sub, lambda g: len(g) >= 3)
    pub.close()
    pub2 = Publisher(ctx, REGISTRY["altimeter"], pub.endpoint, "test")
    pub2.open()
    # A SUB socket finishes reconnecting (re-sends its subscription) when its owner uses it, as a process
    # loop does: so step the subscriber while waiting for the publisher to see it.
    wait_until(lambda: pub2.poll_subscriptions() >= 1, 5.0, lambda: sub.socket.poll(20), what="resubscription")
    pub2.publish(m.AltimeterSample(T, 2.0, True))
    receive_until(sub, lambda g: len(g) >= 1)
    assert sub.stats.resets == 1 and sub.stats.gaps == 0


def raw_pair(ctx: zmq.Context, run_dir: str, topic: str) -> tuple[zmq.Socket, Subscription]:
    """A bare XPUB socket (to send any frames at all) and a subscription connected to it."""
    endpoint = f"ipc://{run_dir}/raw-{topic}"
    raw = ctx.socket(zmq.XPUB)
    raw.bind(endpoint)
    sub = Subscription(ctx, REGISTRY[topic], [endpoint], CLOCK)
    sub.open()
    assert raw.poll(5000) and raw.recv() == b"\x01"
    return raw, sub


def test_gaps_are_counted_per_publisher(ctx, run_dir) -> None:
    raw, sub = raw_pair(ctx, run_dir, "altimeter")
    codec = REGISTRY["altimeter"].codec
    for who, seq in [("a", 0), ("b", 0), ("a", 1), ("a", 5), ("b", 1), ("a", 6)]:
        header, _ = codec.encode(m.AltimeterSample(T, 1.0, True), Envelope(who, seq))
        raw.send_multipart([b"altimeter", header])
    receive_until(sub, lambda g: len(g) >= 6)
    assert sub.stats.gaps == 3 and sub.stats.publishers == {"a", "b"}


def test_bad_frames_are_counted_and_the_subscriber_keeps_running(ctx, run_dir, caplog) -> None:
    raw, sub = raw_pair(ctx, run_dir, "heartbeat")
    good = [1, "nav", 0, [T, "nav", 1, 1, 7]]
    bad_frames = [
        [os.urandom(64)],  # one frame of noise
        [b"heartbeat", os.urandom(200)],  # noise in the header
        [b"heartbeat", b"\x91"],  # truncated msgpack
        [b"heartbeat", msgpack.packb([99, "nav", 0, good[3]])],  # a future schema version
        [b"heartbeat", msgpack.packb([1, "nav", 0, [T, "nav", 1, 1, "x" * 70_000]])],  # oversized header
        [b"imu", msgpack.packb(good)],  # wrong topic frame
        [b"heartbeat", msgpack.packb(good), b"extra", b"frames"],
        [b"heartbeat", msgpack.packb(good), b"unexpected payload"],
    ]
    for frames in bad_frames:
        raw.send_multipart(frames)
    raw.send_multipart([b"heartbeat", msgpack.packb(good)])
    got = receive_until(sub, lambda g: len(g) >= 1)
    assert got[0].msg == m.Heartbeat(T, "nav", 1, m.ProcState.READY, 7)
    s = sub.stats
    assert (s.malformed, s.version, s.oversized, s.received) == (6, 1, 1, 1)
    logged = [r.getMessage() for r in caplog.records if r.name == "ginny.bus"]
    assert len(logged) == 8
    assert any("heartbeat: version: schema version 99, expected 1" in line for line in logged)
    assert any("heartbeat: oversized: header of" in line for line in logged)


def imu(i: int) -> m.ImuSample:
    return m.ImuSample(T + i, (0.0, 0.0, float(i)), (0.0, 0.0, -3.71), 20.0)


def test_a_held_stream_goes_out_in_bundles_and_arrives_message_by_message(ctx, run_dir) -> None:
    pub, sub = pair(ctx, run_dir, "imu")
    pub.hold(10)
    for i in range(25):
        assert pub.publish(imu(i)) == i
    got = receive_until(sub, lambda g: len(g) >= 20)  # two bundles sent, five held
    assert len(got) == 20 and pub.holding
    pub.flush()
    assert not pub.holding
    got += receive_until(sub, lambda g: len(g) >= 5)
    assert [r.msg for r in got] == [imu(i) for i in range(25)]
    assert sub.stats.received == 25 and sub.stats.gaps == 0


def test_bundles_keep_the_order_the_numbers_and_lose_nothing_on_close(ctx, run_dir) -> None:
    pub, sub = pair(ctx, run_dir, "imu")
    pub.hold(7)
    for i in range(30):
        pub.publish(imu(i))
    pub.close()  # the two held are sent first
    got = receive_until(sub, lambda g: len(g) >= 30)
    assert [r.seq for r in got] == list(range(30))
    assert [r.msg for r in got] == [imu(i) for i in range(30)]


def test_bundles_are_refused_for_images_and_out_of_range(ctx, run_dir) -> None:
    pub, _ = pair(ctx, run_dir, "navcam")
    with pytest.raises(ValueError, match="never bundled"):
        pub.hold(2)
    imu_pub, _ = pair(ctx, run_dir, "imu")
    for bad in (0, 101):
        with pytest.raises(ValueError, match="1..100"):
            imu_pub.hold(bad)


def test_a_bad_bundle_is_counted_and_its_good_messages_kept(ctx, run_dir) -> None:
    raw, sub = raw_pair(ctx, run_dir, "imu")
    codec = REGISTRY["imu"].codec
    good = [codec.encode(imu(i), Envelope("control", i))[0] for i in range(3)]
    raw.send_multipart([b"imu", b"", good[0], b"\x91", good[1]])  # one truncated header inside
    raw.send_multipart([b"imu", b"", *([good[2]] * 101)])  # too many: the whole bundle is malformed
    raw.send_multipart([b"imu", good[2]])
    got = receive_until(sub, lambda g: len(g) >= 3)
    assert [r.seq for r in got] == [0, 1, 2]
    assert (sub.stats.malformed, sub.stats.received) == (2, 3)


@pytest.mark.timeout(20)
def test_a_publisher_whose_endpoint_is_taken_fails_and_leaves_its_context_free_to_end(run_dir) -> None:
    """A bind that fails (the address in use) raises, and closes the socket it made: a socket left open would
    hold the context's term() for ever (a world whose setup failed so once hung its whole run)."""
    ctx = zmq.Context()
    reg = default_registry()
    first = Publisher(ctx, reg["imu"], f"ipc://{run_dir}/taken.ipc", "a")
    first.open()
    taken = Publisher(ctx, reg["imu"], "tcp://127.0.0.1:*", "b")
    taken.open()
    again = Publisher(ctx, reg["imu"], taken.last_endpoint, "c")
    try:
        again.open()
    except zmq.ZMQError:  # ended while the failure is in hand, as a process's close() runs in its `finally`
        first.close()
        taken.close()
        ctx.term()  # returns: nothing is left open
    else:
        pytest.fail("a second bind of the same address succeeded")
