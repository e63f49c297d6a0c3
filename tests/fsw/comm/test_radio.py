"""The emulated radio: bandwidth, latency, priority, decimation, loss and outages, on a clock the test drives."""
from __future__ import annotations

from fsw.comm.radio import NS_PER_S, Priority, Radio
from fsw.config.stack import RadioConfig

MS = 1_000_000


def run(radio: Radio, until_ns: int, step_ns: int = MS) -> list[tuple[int, object]]:
    got = []
    for t in range(0, until_ns + 1, step_ns):
        down, _ = radio.pump(t)
        got += [(t, item) for item in down]
    return got


def test_bytes_take_their_time_on_the_air_then_the_latency() -> None:
    radio = Radio(RadioConfig(bandwidth_bps=250_000, latency_ms=20), 0)
    radio.down.queue("a", 3_125)  # 25,000 bits: 100 ms at 250 kbps
    radio.down.queue("b", 3_125)
    got = run(radio, 400 * MS)
    assert [(t // MS, x) for t, x in got] == [(120, "a"), (220, "b")]
    assert radio.down.stats.bytes_sent == 6_250


def test_events_go_before_telemetry_and_telemetry_is_decimated_to_the_newest() -> None:
    radio = Radio(RadioConfig(bandwidth_bps=8_000, latency_ms=0), 0)  # 1 ms per byte
    for i in range(5):
        radio.down.queue(f"state{i}", 10, Priority.STATE, key="state")
    radio.down.queue("file", 10, Priority.BULK)
    radio.down.queue("event", 10, Priority.EVENT)
    got = [x for _, x in run(radio, 100 * MS)]
    assert got == ["event", "state4", "file"]
    assert radio.down.stats.frames_decimated == 4


def test_an_outage_holds_the_downlink_and_loses_the_uplink() -> None:
    radio = Radio(RadioConfig(bandwidth_bps=1_000_000, latency_ms=0, outages=[[1.0, 2.0]]), 0)
    radio.pump(int(1.5 * NS_PER_S))
    assert not radio.is_up(int(1.5 * NS_PER_S))
    radio.down.queue("event during outage", 100)
    radio.up.queue("command into the void", 100)
    down, up = radio.pump(int(2.0 * NS_PER_S))
    assert down == [] and up == []
    down, up = radio.pump(int(3.0 * NS_PER_S) + MS)
    down2, _ = radio.pump(int(3.0 * NS_PER_S) + 5 * MS)
    assert down + down2 == ["event during outage"] and up == []
    assert radio.up.stats.frames_outage == 1


def test_loss_is_seeded_and_near_its_rate() -> None:
    def lost(seed: int) -> int:
        radio = Radio(RadioConfig(bandwidth_bps=1_000_000_000, latency_ms=0, loss_pct=30, seed=seed), 0)
        for i in range(2_000):
            radio.down.queue(i, 10)
        run(radio, 2 * MS)
        return radio.down.stats.frames_lost
    assert lost(1) == lost(1)
    assert 500 < lost(1) < 700


def test_a_loss_window_and_an_outage_added_at_run_time() -> None:
    radio = Radio(RadioConfig(bandwidth_bps=1_000_000_000, latency_ms=0), 0)
    radio.add_loss(0, 1.0, 100.0)
    radio.down.queue("gone", 10)
    run(radio, MS)
    assert radio.down.stats.frames_lost == 1
    radio.add_outage(2 * NS_PER_S, 1.0)
    assert radio.is_up(int(1.9 * NS_PER_S)) and not radio.is_up(int(2.5 * NS_PER_S))
    assert radio.is_up(3 * NS_PER_S + 1)


def test_a_full_queue_drops_its_oldest_and_counts_it() -> None:
    radio = Radio(RadioConfig(), 0)
    for i in range(40):
        radio.down.queue(i, 10, Priority.BULK)
    assert radio.down.queued(Priority.BULK) == 32
    assert radio.down.stats.frames_dropped == 8
