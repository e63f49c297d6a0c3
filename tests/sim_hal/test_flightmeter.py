"""The world's record of the critical loop: processing times, dropped frames, deadline misses, latency."""
from __future__ import annotations

from sim_hal.flightmeter import TrackerStats


def test_frames_missing_between_the_first_and_the_last_are_dropped_and_slow_ones_are_misses() -> None:
    t = TrackerStats()
    for seq, ms in ((10, 2.0), (11, 3.0), (13, 40.0), (14, 1.0)):
        t.add(seq, ms)
    r = t.report()
    assert r["frames"] == 4 and r["dropped_frames"] == 1 and r["deadline_misses"] == 1
    assert (r["p50_ms"], r["max_ms"]) == (3.0, 40.0)
    assert "latency_p50_ms" not in r  # lockstep: no wall-clock latency to speak of


def test_real_time_latency_percentiles() -> None:
    t = TrackerStats()
    for seq in range(200):
        t.add(seq, 2.0, latency_ms=5.0 if seq < 196 else 30.0)
    r = t.report()
    assert (r["latency_p50_ms"], r["latency_p99_ms"], r["latency_max_ms"]) == (5.0, 30.0, 30.0)


def test_latency_stages_are_reported_apart() -> None:
    t = TrackerStats()
    for seq in range(100):
        t.add(seq, 2.0, latency_ms=9.0)
        t.add_stages((3.0, 2.0, 4.0))
    r = t.report()
    assert (r["latency_render_p50_ms"], r["latency_to_nav_p50_ms"], r["latency_in_nav_p99_ms"]) == (3.0, 2.0, 4.0)
